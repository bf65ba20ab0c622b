package dev.flexilib.cli;

import dev.flexilib.Diagnostics;
import dev.flexilib.Server;
import dev.flexilib.config.ConfigException;
import dev.flexilib.config.ServerSettings;
import dev.flexilib.supervisor.Supervisor;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * Serves until SIGTERM or SIGINT. By default a small supervisor process owns the
 * listening socket and runs the server as its child (see {@link Supervisor});
 * {@code --no-supervisor} serves in this one process, on a socket it binds or
 * one systemd passes it (socket activation).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serves the routes of the config file (default: ./proxy.ini). Environment: PORT, "
                + "LISTEN_ADDRESS, SERVER_THREAD_COUNT, RESPONSE_PREALLOCATION_KB.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "proxy.ini",
            description = "the route table (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--no-supervisor",
            description = "serve in this process, without a supervisor (for debugging, or under systemd or docker)")
    boolean noSupervisor;

    @Override
    public Integer call() throws InterruptedException {
        return serve(config, noSupervisor, false, Map.of());
    }

    /**
     * Serves {@code config} with the settings of this process's environment, and
     * {@code environment} over it (which a supervisor passes on to its children).
     */
    static int serve(Path config, boolean noSupervisor, boolean inheritedSocket, Map<String, String> environment)
            throws InterruptedException {
        ServerSettings settings;
        Map<String, String> variables = new HashMap<>(System.getenv());
        variables.putAll(environment);
        try {
            settings = ServerSettings.fromEnvironment(variables);
        } catch (ServerSettings.InvalidSetting e) {
            System.err.println("flexilib: " + e.getMessage());
            return 2;
        }
        if (!noSupervisor && !inheritedSocket) {
            IOException failed = Supervisor.become(ServerChild.command(config), environment);
            System.err.println("flexilib: cannot start: " + failed.getMessage());
            return 1;
        }
        Server server;
        try {
            OptionalInt socket = inheritedSocket ? OptionalInt.of(0) : systemdSocket(variables);
            server = Server.start(settings, socket, config, new FileOutputStream(FileDescriptor.out),
                    Diagnostics.toStderr());
        } catch (ConfigException e) {
            printErrors(e);
            return 1;
        } catch (IOException | RuntimeException e) {
            System.err.println("flexilib: cannot start: " + e.getMessage());
            return 1;
        }
        Supervisor.ready();
        return serveUntilStopped(server, settings, inheritedSocket);
    }

    /**
     * systemd socket activation: the socket systemd listens on for this process
     * (descriptor 3, the first it passes), if it passed one.
     */
    private static OptionalInt systemdSocket(Map<String, String> variables) {
        String pid = variables.getOrDefault("LISTEN_PID", "").strip();
        String fds = variables.getOrDefault("LISTEN_FDS", "").strip();
        boolean ours = pid.equals(Long.toString(ProcessHandle.current().pid())) && fds.matches("[1-9][0-9]*");
        return ours ? OptionalInt.of(3) : OptionalInt.empty();
    }

    private static int serveUntilStopped(Server server, ServerSettings settings, boolean child)
            throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopping.compareAndSet(false, true)) {
                Thread.ofPlatform().name("flexilib-stop").start(() -> {
                    server.shutdown(settings.shutdownTimeout());
                    stopped.countDown();
                });
            } else {
                Runtime.getRuntime().halt(130); // a second signal: stop now
            }
        };
        Signal.handle(new Signal("HUP"), signal -> server.reloadConfig());
        Signal.handle(new Signal("TERM"), signal -> stop.run());
        Signal.handle(new Signal("INT"), signal -> stop.run());
        if (child) {
            // a child whose supervisor is gone would serve on unsupervised: stop with it
            ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(stop));
        }
        stopped.await();
        return 0;
    }

    private static void printErrors(ConfigException e) {
        System.err.println("flexilib: cannot start, the config file has errors:");
        e.errors().forEach(error -> System.err.println("  " + error));
    }
}
