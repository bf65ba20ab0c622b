package dev.flexilib.cli;

import dev.flexilib.Diagnostics;
import dev.flexilib.Server;
import dev.flexilib.config.ConfigException;
import dev.flexilib.config.ProxyIni;
import dev.flexilib.config.ServerSettings;
import dev.flexilib.supervisor.Supervisor;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * Serves until SIGTERM or SIGINT. By default a small supervisor process owns the
 * listening socket and runs the server as its child (see {@link Supervisor});
 * {@code --no-supervisor} serves in this one process.
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
            return supervise(settings, config, environment);
        }
        Server server;
        try {
            server = Server.start(settings, inheritedSocket, config, new FileOutputStream(FileDescriptor.out),
                    Diagnostics.toStderr());
        } catch (ConfigException e) {
            printErrors(e);
            return 1;
        } catch (IOException | RuntimeException e) {
            System.err.println("flexilib: cannot start: " + e.getMessage());
            return 1;
        }
        return serveUntilStopped(server, settings, inheritedSocket);
    }

    /** Checks the config before binding anything, so a broken file fails fast instead of crash-looping children. */
    private static int supervise(ServerSettings settings, Path config, Map<String, String> environment)
            throws InterruptedException {
        try {
            ProxyIni.read(config, settings.sam());
        } catch (ConfigException e) {
            printErrors(e);
            return 1;
        }
        try {
            return Supervisor.run(settings.listenAddress(), settings.port(), ServerChild.command(config), environment,
                    settings.shutdownTimeout(), Diagnostics.toStderr());
        } catch (IOException e) {
            System.err.println("flexilib: cannot start: " + e.getMessage());
            return 1;
        }
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
