package dev.flexilib.cli;

import dev.flexilib.Diagnostics;
import dev.flexilib.Server;
import dev.flexilib.config.ConfigException;
import dev.flexilib.config.ServerSettings;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** Starts the server and serves until SIGTERM or SIGINT; SIGHUP re-reads the config file. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serves the routes of the config file (default: ./proxy.ini). Environment: PORT, "
                + "LISTEN_ADDRESS, SERVER_THREAD_COUNT, RESPONSE_PREALLOCATION_KB.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "proxy.ini",
            description = "the route table (default: ${DEFAULT-VALUE})")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        return serve(config);
    }

    static int serve(Path config) throws InterruptedException {
        ServerSettings settings;
        try {
            settings = ServerSettings.fromEnvironment(System.getenv());
        } catch (ServerSettings.InvalidSetting e) {
            System.err.println("flexilib: " + e.getMessage());
            return 2;
        }
        Server server;
        try {
            server = Server.start(settings, config, new FileOutputStream(FileDescriptor.out), Diagnostics.toStderr());
        } catch (ConfigException e) {
            System.err.println("flexilib: cannot start, the config file has errors:");
            e.errors().forEach(error -> System.err.println("  " + error));
            return 1;
        } catch (RuntimeException e) {
            System.err.println("flexilib: cannot start: " + e);
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Signal.handle(new Signal("HUP"), signal -> server.reloadConfig());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "flexilib-shutdown"));
        stopped.await();
        return 0;
    }
}
