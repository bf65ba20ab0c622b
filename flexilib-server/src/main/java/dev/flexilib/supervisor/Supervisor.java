package dev.flexilib.supervisor;

import dev.flexilib.Diagnostics;
import dev.flexilib.Diagnostics.Event;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import sun.misc.Signal;

/**
 * The small parent process: it owns the listening socket and keeps a server
 * child running on it. When the child dies, for any reason, the supervisor says
 * why and starts the next one; connections that arrive meanwhile wait in the
 * socket's backlog. SIGHUP goes to the child; SIGTERM or SIGINT drain the child
 * and stop both; a second SIGINT stops at once.
 */
public final class Supervisor {
    /** The system property by which the launcher passes its JVM options for the serving child. */
    public static final String SERVER_JAVA_OPTIONS = "flexilib.serverJavaOptions";

    private final ListeningSocket socket;
    private final List<String> childCommand;
    private final Map<String, String> childEnvironment;
    private final Path crashReports;
    private final Duration shutdownTimeout;
    private final Diagnostics diagnostics;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private volatile Process child;
    private volatile boolean interruptedOnce;

    private Supervisor(ListeningSocket socket, List<String> childCommand, Map<String, String> childEnvironment,
                       Path crashReports, Duration shutdownTimeout, Diagnostics diagnostics) {
        this.socket = socket;
        this.childCommand = childCommand;
        this.childEnvironment = Map.copyOf(childEnvironment);
        this.crashReports = crashReports;
        this.shutdownTimeout = shutdownTimeout;
        this.diagnostics = diagnostics;
    }

    /**
     * Listens on {@code address:port} and runs children ({@code childMain}: a
     * main class and its arguments, on this process's class path) until told to
     * stop; returns the exit status for the supervisor process.
     */
    public static int run(InetAddress address, int port, List<String> childMain, Duration shutdownTimeout,
                          Diagnostics diagnostics) throws IOException, InterruptedException {
        return run(address, port, childMain, Map.of(), shutdownTimeout, diagnostics);
    }

    /** As {@link #run(InetAddress, int, List, Duration, Diagnostics)}, the children's environment this one's with {@code childEnvironment} set. */
    public static int run(InetAddress address, int port, List<String> childMain, Map<String, String> childEnvironment,
                          Duration shutdownTimeout, Diagnostics diagnostics) throws IOException, InterruptedException {
        ListeningSocket socket = ListeningSocket.open(address, port);
        socket.becomeStandardInput();
        Path crashReports = Files.createTempDirectory("flexilib-crashes-");
        Supervisor supervisor = new Supervisor(socket, childCommand(crashReports, childMain), childEnvironment,
                crashReports, shutdownTimeout, diagnostics);
        diagnostics.info(Event.SUPERVISOR_STARTED, "listening on " + address.getHostAddress() + ":" + socket.port()
                + " (supervisor pid " + ProcessHandle.current().pid() + ")");
        supervisor.handleSignals();
        return supervisor.superviseUntilStopped();
    }

    /**
     * The child's JVM: the options it needs, then the launcher's defaults for a
     * serving JVM (the system property {@value #SERVER_JAVA_OPTIONS}: heap, GC,
     * AOT cache), then {@code FLEXILIB_JAVA_OPTS}, which come last so that they win.
     */
    private static List<String> childCommand(Path crashReports, List<String> childMain) {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                "--enable-native-access=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-XX:+ExitOnOutOfMemoryError",
                "-XX:+DisplayVMOutputToStderr", // what the JVM prints as it gives up belongs on stderr, not in the access log
                "-XX:-CreateCoredumpOnCrash",
                "-XX:ErrorFile=" + crashReports.resolve("crash-%p.log")));
        command.addAll(options(System.getProperty(SERVER_JAVA_OPTIONS)));
        command.addAll(options(System.getenv("FLEXILIB_JAVA_OPTS")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        command.addAll(childMain);
        return List.copyOf(command);
    }

    private static List<String> options(String text) {
        return text == null || text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
    }

    private void handleSignals() {
        Signal.handle(new Signal("HUP"), signal -> forward(Posix.SIGHUP));
        Signal.handle(new Signal("TERM"), signal -> stop());
        Signal.handle(new Signal("INT"), signal -> {
            if (interruptedOnce) {
                forward(Posix.SIGKILL);
                Runtime.getRuntime().halt(130);
            }
            interruptedOnce = true;
            stop();
        });
    }

    private int superviseUntilStopped() throws IOException, InterruptedException {
        Backoff backoff = new Backoff();
        while (stopping.getCount() > 0) {
            long started = System.nanoTime();
            Process process = start();
            if (process == null) {
                break;
            }
            int code = process.waitFor();
            if (stopping.getCount() == 0) {
                break;
            }
            Duration uptime = Duration.ofNanos(System.nanoTime() - started);
            Duration delay = backoff.after(uptime);
            diagnostics.warn(Event.CHILD_EXITED, "server child " + process.pid() + " " + new ExitStatus(code)
                    + " after " + uptime.toMillis() + " ms" + crashReport(process.pid())
                    + (delay.isZero() ? "; starting a new one" : "; it keeps dying, next start in " + delay.toMillis() + " ms"));
            stopping.await(delay.toMillis(), TimeUnit.MILLISECONDS);
        }
        return drain();
    }

    /** A new child, or null when the supervisor is stopping. */
    private synchronized Process start() throws IOException {
        if (stopping.getCount() == 0) {
            return null;
        }
        ProcessBuilder builder = new ProcessBuilder(childCommand);
        builder.environment().putAll(childEnvironment);
        Process process = builder
                .redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        child = process;
        diagnostics.info(Event.CHILD_STARTED, "server child " + process.pid() + " started");
        return process;
    }

    /** Stops accepting, lets the child finish what it is doing, and returns the exit status. */
    private int drain() throws InterruptedException {
        Process process = child;
        if (process != null && process.isAlive()) {
            boolean exited = process.waitFor(shutdownTimeout.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                diagnostics.warn(Event.SUPERVISOR_STOPPED, "the child did not stop in time; killing it");
                process.destroyForcibly().waitFor();
            }
        }
        deleteCrashDirectoryIfEmpty();
        diagnostics.info(Event.SUPERVISOR_STOPPED, "stopped");
        return 0;
    }

    private synchronized void stop() {
        if (stopping.getCount() == 0) {
            return;
        }
        try {
            socket.close(); // new connections are refused from now on; the child drains what it has
        } catch (IOException e) {
            diagnostics.warn(Event.SUPERVISOR_STOPPED, "closing the listening socket failed: " + e.getMessage());
        }
        forward(Posix.SIGTERM);
        stopping.countDown();
    }

    private void forward(int signal) {
        Process process = child;
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            Posix.kill(process.pid(), signal);
        } catch (IOException e) {
            diagnostics.warn(Event.CHILD_EXITED, "cannot signal child " + process.pid() + ": " + e.getMessage());
        }
    }

    /** The JVM's crash report names the signal and the frame that crashed (for example a plugin's function). */
    private String crashReport(long pid) {
        Path report = crashReports.resolve("crash-" + pid + ".log");
        if (!Files.isRegularFile(report)) {
            return "";
        }
        try (Stream<String> lines = Files.lines(report)) {
            List<String> summary = lines.limit(40).filter(line -> line.startsWith("# ") || line.startsWith("# C "))
                    .map(line -> line.substring(1).strip()).filter(line -> line.startsWith("SIG")
                            || line.startsWith("C ") || line.startsWith("J ") || line.startsWith("V "))
                    .toList();
            return " [" + String.join("; ", summary) + "; report: " + report + "]";
        } catch (IOException | RuntimeException e) {
            return " [report: " + report + "]";
        }
    }

    private void deleteCrashDirectoryIfEmpty() {
        try {
            Files.deleteIfExists(crashReports);
        } catch (IOException ignored) {
            // it holds crash reports worth keeping
        }
    }
}
