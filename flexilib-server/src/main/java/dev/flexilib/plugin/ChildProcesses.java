package dev.flexilib.plugin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Starts the processes a host runs its plugins in (Lambda runtimes, workerd) so
 * that they die with the serving process, however it dies: each under
 * {@code setpriv --pdeathsig KILL}, from one long-lived platform thread. The
 * kernel sends the signal when the thread that forked the process ends — so not
 * from a pooled or virtual thread, which can end while the server lives on.
 */
public final class ChildProcesses implements AutoCloseable {
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    private final boolean setpriv = Files.isExecutable(SETPRIV);
    private final ExecutorService spawner;

    /** {@code name}: the spawning thread's name. */
    public ChildProcesses(String name) {
        spawner = Executors.newSingleThreadExecutor(Thread.ofPlatform().name(name).daemon().factory());
    }

    /** Starts {@code builder}'s command under the parent-death signal; its stdin is closed. */
    public Process start(ProcessBuilder builder) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (setpriv) {
            command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        }
        command.addAll(builder.command());
        builder.command(command);
        try {
            Process process = spawner.submit(builder::start).get();
            process.getOutputStream().close();
            return process;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    @Override
    public void close() {
        spawner.shutdownNow();
    }
}
