package dev.flexilib.cli;

import dev.flexilib.config.ConfigException;
import dev.flexilib.config.PluginSpec;
import dev.flexilib.config.ProxySpec;
import dev.flexilib.config.ProxyIni;
import dev.flexilib.config.RouteConfig;
import dev.flexilib.config.RouteSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Validates a config file: prints the route table, or every error with its line; exits 1 on errors. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Checks a config file: prints its routes in match order, or every error with file and line.")
final class CheckCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "FILE", defaultValue = "proxy.ini",
            description = "the config file (default: ${DEFAULT-VALUE})")
    Path file;

    @Override
    public Integer call() {
        RouteConfig config;
        try {
            config = ProxyIni.read(file);
        } catch (ConfigException e) {
            e.errors().forEach(error -> System.err.println(error));
            System.err.println(e.errors().size() + (e.errors().size() == 1 ? " error" : " errors") + " in " + file);
            return 1;
        }
        System.out.println(file + ": " + config.routes().size() + " routes, first match wins");
        for (RouteSpec route : config.routes()) {
            String kind = switch (route.backend()) {
                case PluginSpec plugin -> plugin.kind().name().toLowerCase(java.util.Locale.ROOT)
                        + (Files.exists(plugin.path()) ? "" : ", missing");
                case ProxySpec proxy -> "proxy";
            };
            System.out.printf("  line %-4d %-30s -> %s [%s]%n", route.line(), route.key(), route.backend(), kind);
        }
        config.warnings().forEach(warning -> System.err.println("warning: " + warning));
        return 0;
    }
}
