package dev.flexilib.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flexilib [serve] [--config FILE]} and {@code flexilib check [FILE]}. */
@Command(name = "flexilib", mixinStandardHelpOptions = true, version = "flexilib 0.1.0",
        description = "Serves HTTP requests through plugins routed by proxy.ini; with no command, serves.",
        subcommands = {ServeCommand.class, CheckCommand.class, SamCommand.class, NewCommand.class})
public final class Main implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "proxy.ini",
            description = "the route table (default: ${DEFAULT-VALUE})")
    Path config;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Option(names = "--no-supervisor", description = "serve in this process, without a supervisor")
    boolean noSupervisor;

    @Override
    public Integer call() throws InterruptedException {
        return ServeCommand.serve(config, noSupervisor, false, Map.of());
    }
}
