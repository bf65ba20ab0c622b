package dev.flexilib.plugin.lambda;

import dev.flexilib.config.FunctionConfig;
import dev.flexilib.plugin.ChildProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.jar.JarFile;

/**
 * Starts the runtime process of an execution environment, with Lambda's
 * environment variables: the function's {@code bootstrap} for {@code provided*}
 * runtimes, and for {@code java*} a JVM running AWS's own runtime interface
 * client with the options Lambda's Java runtimes use (C1 only, the serial
 * collector, heap, metaspace and code cache from MemorySize).
 *
 * <p>Every process dies with the serving process ({@link ChildProcesses}) and
 * runs in the function's task root.
 */
final class Launcher implements AutoCloseable {
    private static final String RIC_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    private static final String JNI_PROPERTY = "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";
    private static final String JNI_LIBRARY = "jni/libaws-lambda-jni.linux-x86_64.so";
    /** What a function's process gets of the serving process's own environment. */
    private static final Set<String> PASSED_ON = Set.of("PATH", "LANG", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN", "JAVA_TOOL_OPTIONS");

    private final Path javaRuntime;
    private final Path scratch;
    private final ChildProcesses processes = new ChildProcesses("flexilib-lambda-spawner");
    private Path jni;

    /** {@code javaRuntime}: the directory holding AWS's runtime interface client and its libraries. */
    Launcher(Path javaRuntime, Path scratch) {
        this.javaRuntime = javaRuntime;
        this.scratch = scratch;
    }

    /** Starts the runtime, its stdout and stderr appended to {@code output}. */
    Process start(Function function, int runtimeApiPort, Path output) throws IOException, InterruptedException {
        FunctionConfig config = function.config();
        List<String> command = config.java() ? java(config, function.taskRoot()) : bootstrap(function.taskRoot());
        ProcessBuilder builder = new ProcessBuilder(command).directory(function.taskRoot().toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(output.toFile()));
        Map<String, String> environment = builder.environment();
        Map<String, String> mine = Map.copyOf(environment);
        environment.clear();
        PASSED_ON.forEach(name -> {
            if (mine.containsKey(name)) {
                environment.put(name, mine.get(name));
            }
        });
        environment.putAll(lambdaVariables(function, runtimeApiPort));
        environment.putAll(config.environment());
        return processes.start(builder); // a runtime reads its events from the Runtime API, not stdin
    }

    private static List<String> bootstrap(Path taskRoot) throws IOException {
        Path bootstrap = taskRoot.resolve("bootstrap");
        if (!Files.isRegularFile(bootstrap)) {
            throw new IOException("the code has no bootstrap (a provided runtime starts the executable 'bootstrap' "
                    + "at the root of CodeUri)");
        }
        if (!Files.isExecutable(bootstrap)) {
            throw new IOException("fork/exec " + bootstrap + ": permission denied (bootstrap is not executable)");
        }
        return List.of(bootstrap.toString());
    }

    private List<String> java(FunctionConfig config, Path taskRoot) throws IOException {
        int memory = config.memoryMb();
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-XX:MaxHeapSize=" + memory * 85 / 100 + "m",
                "-XX:MaxMetaspaceSize=" + Math.max(64, memory / 10) + "m",
                "-XX:ReservedCodeCacheSize=" + Math.max(16, memory / 20) + "m",
                "-Djava.net.preferIPv4Stack=true", "-Duser.timezone=UTC", "-XX:+ErrorFileToStderr",
                "--enable-native-access=ALL-UNNAMED",
                "-D" + JNI_PROPERTY + "=" + jni(),
                "-cp", classPath(taskRoot), RIC_MAIN, config.handler());
    }

    /**
     * The runtime client, then the function's archive and its libraries, if its code
     * was one (the client finds a directory's classes and {@code lib/} itself, in its
     * working directory, as Lambda's does in {@code /var/task}).
     */
    private String classPath(Path taskRoot) {
        List<String> path = new ArrayList<>(List.of(javaRuntime.resolve("*").toString()));
        Path archive = taskRoot.resolve(CodeCopy.JAVA_ARCHIVE);
        if (Files.isRegularFile(archive)) {
            path.add(archive.toString());
            if (Files.isDirectory(taskRoot.resolve("lib"))) {
                path.add(taskRoot.resolve("lib").resolve("*").toString());
            }
        }
        return String.join(java.io.File.pathSeparator, path);
    }

    /**
     * The runtime client's native library, taken out of its JAR once: each client would
     * otherwise copy it to the same file in /tmp as it starts, racing the others.
     */
    private synchronized Path jni() throws IOException {
        if (jni == null) {
            try (var files = Files.list(javaRuntime)) {
                Path ric = files.filter(file -> file.getFileName().toString()
                        .startsWith("aws-lambda-java-runtime-interface-client")).findFirst()
                        .orElseThrow(() -> new IOException("AWS's runtime interface client is not in " + javaRuntime
                                + ": rebuild flexilib (bin/build)"));
                try (JarFile jar = new JarFile(ric.toFile()); InputStream library = jar.getInputStream(jar.getEntry(JNI_LIBRARY))) {
                    Path target = scratch.resolve("libaws-lambda-jni.so");
                    Files.copy(library, target, StandardCopyOption.REPLACE_EXISTING);
                    jni = target;
                }
            }
        }
        return jni;
    }

    /** The variables Lambda sets in an execution environment, with their values there. */
    private static Map<String, String> lambdaVariables(Function function, int port) {
        FunctionConfig config = function.config();
        String stream = LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy/MM/dd")) + "/[$LATEST]"
                + UUID.randomUUID().toString().replace("-", "");
        var variables = new java.util.LinkedHashMap<String, String>();
        variables.put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + port);
        variables.put("_HANDLER", config.handler());
        variables.put("LAMBDA_TASK_ROOT", function.taskRoot().toString());
        variables.put("LAMBDA_RUNTIME_DIR", function.taskRoot().toString());
        variables.put("AWS_LAMBDA_FUNCTION_NAME", config.name());
        variables.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(config.memoryMb()));
        variables.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        variables.put("AWS_LAMBDA_FUNCTION_TIMEOUT", Long.toString(config.timeout().toSeconds()));
        variables.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        variables.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + config.name());
        variables.put("AWS_LAMBDA_LOG_STREAM_NAME", stream);
        variables.put("AWS_REGION", Function.region());
        variables.put("AWS_DEFAULT_REGION", Function.region());
        if (config.java()) {
            variables.put("AWS_EXECUTION_ENV", "AWS_Lambda_" + config.runtime());
        }
        variables.put("TZ", ":UTC");
        variables.putIfAbsent("LANG", "en_US.UTF-8");
        variables.put("LD_LIBRARY_PATH", function.taskRoot().resolve("lib") + ":" + function.taskRoot());
        return variables;
    }

    @Override
    public void close() {
        processes.close();
    }
}
