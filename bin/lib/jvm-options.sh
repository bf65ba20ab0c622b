# Sourced by bin/flexilib (and read by the tests that run the server as users do): the JVM
# options of the serving JVM and of the JVM that runs the other commands (check, new, and
# sam until it becomes the supervisor), in server_jvm_options and command_jvm_options. See the README for what each bought.

# JVM warnings go to stderr, and so does what the JVM itself prints when it gives up (such as
# "Terminating due to java.lang.OutOfMemoryError"): stdout is the access log.
logging="-Xlog:disable -Xlog:all=warning:stderr -XX:+DisplayVMOutputToStderr"
# The serving JVM: a 64 MiB heap ceiling (the default, a quarter of the machine's memory for G1,
# let it grow to 750 MB under the echo benchmark) and the parallel collector (on 2 cores as fast
# as G1 or serial for small requests, 20 % faster than serial with 64 KiB bodies, and the
# smallest resident set under load). More heap for big Java plugins: FLEXILIB_JAVA_OPTS=-Xmx512m
# (FLEXILIB_JAVA_OPTS comes last and wins; a collector chosen there replaces this one, as the
# JVM refuses two). Netty 4.2 registers JFR event types on its first buffer, which cost the
# first request after start-up 100 ms: off.
gc="-XX:+UseParallelGC"
case " ${FLEXILIB_JAVA_OPTS:-} " in *" -XX:+Use"*"GC "*) gc="" ;; esac
server_jvm_options="$gc -Xms8m -Xmx64m -Dio.netty.jfr.enabled=false $logging"
# The other commands run once and briefly: a small heap, the C1 compiler alone.
command_jvm_options="-Xms4m -Xmx24m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1
  -XX:-UsePerfData $logging"
