package dev.flexilib;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.cli.Main;
import dev.flexilib.supervisor.Supervisor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * flexilib as a separate process, as users run it: for exit codes, signals and
 * stderr, and, with {@link #launched}, for a serving child whose JVM has the
 * launcher's own options (its heap, so its real limits).
 */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("server\\.started listening on [^ ]+:(\\d+) ");

    private final Process process;
    private final List<String> stderr = new ArrayList<>();
    private final Thread reader;

    private ServerProcess(Process process) {
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().start(this::readStderr);
    }

    /** Runs {@code flexilib ARGS} in {@code directory} with extra environment variables. */
    public static ServerProcess start(Path directory, Map<String, String> env, String... args) throws IOException {
        return start(directory, env, List.of(), args);
    }

    /**
     * Runs {@code flexilib ARGS} with extra JVM options for the JVM started (which,
     * to serve with a supervisor, becomes the native supervisor once it has read its
     * command line, as {@code flexilib sam} does).
     */
    public static ServerProcess start(Path directory, Map<String, String> env, List<String> jvmOptions, String... args)
            throws IOException {
        return start(List.of(), directory, env, jvmOptions, args);
    }

    /** As {@link #start(Path, Map, List, String...)}, started by {@code starter} (a program and its arguments). */
    public static ServerProcess start(List<String> starter, Path directory, Map<String, String> env,
                                      List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>(starter);
        command.addAll(List.of(ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("LISTEN_ADDRESS", "127.0.0.1");
        builder.environment().putAll(env);
        return new ServerProcess(builder.start());
    }

    /**
     * Runs {@code flexilib serve ARGS} with the serving child on the JVM options
     * {@code bin/flexilib} gives it (read from bin/lib/jvm-options.sh).
     */
    public static ServerProcess launched(Path directory, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> jvm = new ArrayList<>(launcherOptions("command_jvm_options"));
        jvm.add("-D" + Supervisor.SERVER_JAVA_OPTIONS + "=" + String.join(" ", launcherOptions("server_jvm_options")));
        List<String> serve = new ArrayList<>(List.of("serve"));
        serve.addAll(List.of(args));
        return start(directory, env, jvm, serve.toArray(String[]::new));
    }

    private static List<String> launcherOptions(String variable) throws IOException, InterruptedException {
        Path script = TestServer.repo().resolve("bin/lib/jvm-options.sh");
        Process shell = new ProcessBuilder("bash", "-c", ". \"$0\" && printf '%s' \"$" + variable + "\"", script.toString())
                .redirectErrorStream(true).start();
        String options = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(shell.waitFor()).as("bash reads %s: %s", script, options).isZero();
        return List.of(options.strip().split("\\s+"));
    }

    private void readStderr() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (this) {
                    stderr.add(line);
                    notifyAll();
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    public long pid() {
        return process.pid();
    }

    /** Waits for a stderr line that matches and returns it. */
    public synchronized String awaitStderr(Predicate<String> match) throws InterruptedException {
        long deadline = System.nanoTime() + TestServer.TIMEOUT.toNanos();
        int checked = 0;
        while (true) {
            for (; checked < stderr.size(); checked++) {
                if (match.test(stderr.get(checked))) {
                    return stderr.get(checked);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                throw new AssertionError("no matching stderr line; stderr so far:\n" + String.join("\n", stderr));
            }
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(500)));
        }
    }

    /** The port from the server.started line. */
    public int awaitPort() throws InterruptedException {
        Matcher matcher = LISTENING.matcher(awaitStderr(line -> LISTENING.matcher(line).find()));
        assertThat(matcher.find()).isTrue();
        return Integer.parseInt(matcher.group(1));
    }

    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    /** Waits for the process to exit and returns its exit code. */
    public int awaitExit() throws InterruptedException {
        assertThat(process.waitFor(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("process exited").isTrue();
        reader.join(TestServer.TIMEOUT.toMillis());
        return process.exitValue();
    }

    public synchronized String stderr() {
        return String.join("\n", stderr);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
