package dev.flexilib.plugin.workers;

import dev.flexilib.Diagnostics;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.config.ProxySpec;
import dev.flexilib.proxy.UpstreamGroup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One workerd process serving a Worker on a Unix domain socket in a directory only
 * this server can reach. workerd says it listens through its control descriptor,
 * here a FIFO the server holds open both ways (so that opening it never blocks
 * either side, and a late message never meets a closed pipe); its stdout and
 * stderr ({@code console.log}, uncaught exceptions) become log lines with the
 * Worker's name.
 */
final class WorkerProcess {
    /** How much of workerd's stderr a failure to start quotes. */
    private static final int TAIL_LINES = 20;
    private static final long STOP_GRACE_SECONDS = 5;

    private final String name;
    private final Process process;
    private final Path socket;
    private final Path control;
    private final FileChannel controlChannel;
    private final UpstreamGroup upstreams;
    private final CompletableFuture<UpstreamGroup> ready = new CompletableFuture<>();
    private final ArrayDeque<String> errorTail = new ArrayDeque<>();
    private final long startedNanos = System.nanoTime();
    private volatile long exitedNanos;
    private volatile boolean stopping;

    private WorkerProcess(String name, Process process, Path socket, Path control, FileChannel controlChannel) {
        this.name = name;
        this.process = process;
        this.socket = socket;
        this.control = control;
        this.controlChannel = controlChannel;
        this.upstreams = new UpstreamGroup(new ProxySpec(List.of(ProxySpec.Upstream.unix(socket))));
    }

    /**
     * Starts workerd on {@code config} (a wrangler config it bundles and serves), its
     * socket and control FIFO named by {@code base} in the server's private directory;
     * {@link #ready()} completes once it listens, or fails with what it said when it exits.
     */
    static WorkerProcess start(WorkersHost host, String name, Path config, Path directory, Path base)
            throws IOException, InterruptedException {
        Path socket = base.resolveSibling(base.getFileName() + ".sock");
        Path control = base.resolveSibling(base.getFileName() + ".control");
        Files.deleteIfExists(socket);
        Files.deleteIfExists(control);
        Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", control.toString()).redirectErrorStream(true).start();
        if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
            throw new IOException("mkfifo " + control + " failed: "
                    + new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        }
        FileChannel channel = FileChannel.open(control, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Workerd workerd = host.workerd();
        // the shell opens the FIFO as workerd's descriptor 3, then becomes workerd
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", "exec \"$@\" 3>\"$0\"", control.toString(),
                workerd.workerd().toString(), "serve", "--experimental", config.toString(),
                "--socket-addr", "http=unix:" + socket, "--control-fd", "3")
                .directory(directory.toFile());
        Map<String, String> environment = builder.environment();
        Map<String, String> mine = Map.copyOf(environment);
        environment.clear();
        for (String passed : List.of("PATH", "HOME", "LANG", "TZ", "TMPDIR")) {
            if (mine.containsKey(passed)) {
                environment.put(passed, mine.get(passed));
            }
        }
        environment.put("WORKERD_ESBUILD", workerd.esbuild().toString());
        Process process;
        try {
            process = host.processes().start(builder);
        } catch (IOException | InterruptedException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(control);
            throw e;
        }
        WorkerProcess started = new WorkerProcess(name, process, socket, control, channel);
        started.watch(host.diagnostics());
        return started;
    }

    private void watch(Diagnostics diagnostics) {
        Thread.ofPlatform().daemon().name("flexilib-worker-control-" + name).start(this::readControl);
        Thread.ofVirtual().name("flexilib-worker-out-" + name).start(() -> readOutput(process.getInputStream(),
                line -> diagnostics.info(Event.WORKER_LOG, name + ": " + line)));
        Thread errors = Thread.ofVirtual().name("flexilib-worker-err-" + name).start(() -> readOutput(process.getErrorStream(),
                line -> {
                    synchronized (errorTail) {
                        if (errorTail.size() == TAIL_LINES) {
                            errorTail.removeFirst();
                        }
                        errorTail.addLast(line);
                    }
                    diagnostics.warn(Event.WORKER_LOG, name + ": " + line);
                }));
        process.onExit().thenRun(() -> {
            exitedNanos = System.nanoTime();
            try {
                errors.join(Duration.ofSeconds(2)); // what it said as it exited, before that is quoted
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!ready.isDone()) {
                ready.completeExceptionally(new IOException("workerd exited with status " + process.exitValue()
                        + " before it listened" + tail()));
            } else if (!stopping) {
                diagnostics.warn(Event.WORKER_PROCESS, name + ": workerd (pid " + process.pid()
                        + ") exited with status " + process.exitValue() + "; it restarts on the next request");
            }
            try {
                controlChannel.close();
                Files.deleteIfExists(control);
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // the server's private directory is deleted when it stops
            }
        });
    }

    /**
     * workerd's control messages, JSON objects not followed by a newline:
     * {@code {"event":"listen","socket":"http","port":0}} once it listens.
     */
    private void readControl() {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        StringBuilder messages = new StringBuilder();
        try {
            while (controlChannel.read(buffer) >= 0) {
                buffer.flip();
                messages.append(StandardCharsets.UTF_8.decode(buffer));
                buffer.clear();
                if (messages.indexOf("\"event\":\"listen\"") >= 0 && messages.indexOf("\"socket\":\"http\"") >= 0) {
                    ready.complete(upstreams);
                    messages.setLength(0);
                }
            }
        } catch (IOException e) {
            // the channel was closed: the process exited
        }
    }

    private static void readOutput(InputStream stream, java.util.function.Consumer<String> line) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                line.accept(text);
            }
        } catch (IOException e) {
            // the process's end of the pipe is gone
        }
    }

    /** What workerd last wrote to stderr, for an error message. */
    String tail() {
        synchronized (errorTail) {
            return errorTail.isEmpty() ? "" : ":\n" + String.join("\n", errorTail);
        }
    }

    /** Completes with the upstream to proxy to once workerd listens; fails if it exits first. */
    CompletableFuture<UpstreamGroup> ready() {
        return ready;
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** How long it ran (so far, if it still runs). */
    Duration lived() {
        long end = exitedNanos;
        return Duration.ofNanos((end == 0 ? System.nanoTime() : end) - startedNanos);
    }

    /** SIGTERM now (workerd exits in tens of milliseconds), SIGKILL if it is still there after a grace; returns at once. */
    void stop() {
        stopping = true;
        process.destroy();
        process.onExit().orTimeout(STOP_GRACE_SECONDS, TimeUnit.SECONDS).exceptionally(timedOut -> {
            process.destroyForcibly();
            return process;
        });
    }
}
