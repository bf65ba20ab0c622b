package dev.flexilib.cli;

import dev.flexilib.config.ConfigException;
import dev.flexilib.config.PluginSpec;
import dev.flexilib.config.ProxySpec;
import dev.flexilib.config.ProxyIni;
import dev.flexilib.config.RouteConfig;
import dev.flexilib.config.RouteSpec;
import dev.flexilib.config.SamTemplate;
import dev.flexilib.config.ServerSettings;
import dev.flexilib.config.WasmConfig;
import dev.flexilib.plugin.PluginLoadException;
import dev.flexilib.plugin.wasm.WasmHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Validates a config file (or a SAM template): prints the route table, or every
 * error with its line; exits 1 on errors.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Checks a config file or a SAM template: prints its routes in match order (and each SAM "
                + "application's API routes), or every error with file and line.")
final class CheckCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "FILE", defaultValue = "proxy.ini",
            description = "proxy.ini, or a SAM template (default: ${DEFAULT-VALUE})")
    Path file;

    @Option(names = "--parameter-overrides", paramLabel = "Name=Value", arity = "1..*",
            description = "SAM template parameters, as for 'flexilib sam' (default: FLEXILIB_SAM_PARAMETERS)")
    List<String> parameterOverrides = List.of();

    @Option(names = {"-n", "--env-vars"}, paramLabel = "FILE",
            description = "the SAM CLI's --env-vars JSON file (default: FLEXILIB_SAM_ENV_VARS)")
    Path envVars;

    @Override
    public Integer call() {
        SamTemplate.Overrides sam;
        try {
            SamTemplate.Overrides environment = ServerSettings.fromEnvironment(System.getenv()).sam();
            sam = new SamTemplate.Overrides(parameterOverrides.isEmpty() ? environment.parameters()
                    : ServerSettings.parameters(String.join(" ", parameterOverrides)),
                    envVars != null ? Optional.of(envVars) : environment.envVars());
        } catch (ServerSettings.InvalidSetting | IllegalArgumentException e) {
            System.err.println("flexilib: " + e.getMessage());
            return 2;
        }
        RouteConfig config;
        try {
            config = ProxyIni.read(file, sam);
        } catch (ConfigException e) {
            e.errors().forEach(error -> System.err.println(error));
            System.err.println(e.errors().size() + (e.errors().size() == 1 ? " error" : " errors") + " in " + file);
            return 1;
        }
        int invalid = 0;
        System.out.println(file + ": " + config.routes().size() + (config.routes().size() == 1 ? " route" : " routes")
                + ", first match wins");
        for (RouteSpec route : config.routes()) {
            String kind = switch (route.backend()) {
                case PluginSpec plugin -> plugin.kind().name().toLowerCase(Locale.ROOT)
                        + (Files.exists(plugin.path()) ? "" : ", missing");
                case ProxySpec proxy -> "proxy";
            };
            System.out.printf("  %-9s %-30s -> %s [%s]%n", route.line() == 0 ? "" : "line " + route.line(),
                    route.key(), route.backend(), kind);
            if (route.backend() instanceof PluginSpec plugin && plugin.kind() == PluginSpec.Kind.WASM) {
                invalid += checkModule(plugin) ? 0 : 1;
            }
            if (route.backend() instanceof PluginSpec plugin && plugin.kind() == PluginSpec.Kind.SAM) {
                SamTemplate template = sam.read(plugin.path());
                printApplication(template);
                template.warnings().forEach(warning -> System.err.println("warning: " + warning));
            }
        }
        config.warnings().forEach(warning -> System.err.println("warning: " + warning));
        return invalid == 0 ? 0 : 1;
    }

    /** A WebAssembly route's sandbox, and whether its module (if built) is one a WAGI host can run. */
    private static boolean checkModule(PluginSpec plugin) {
        WasmConfig settings = WasmConfig.read(plugin.path());
        System.out.println("      " + settings.describe());
        if (!Files.exists(plugin.path())) {
            return true;
        }
        try {
            WasmHost.validate(plugin.path(), settings);
            return true;
        } catch (PluginLoadException e) {
            System.err.println(plugin.path() + ": " + e.getMessage());
            return false;
        }
    }

    /** Each function of a SAM application: its runtime and code, and its API routes. */
    private static void printApplication(SamTemplate template) {
        for (SamTemplate.Function function : template.functions()) {
            System.out.printf("      %s: %s, %s%n", function.logicalId(), function.config().runtime(),
                    function.config().code());
            for (SamTemplate.Route route : function.routes()) {
                System.out.printf("        %-8s %-7s %s%n", route.type(), route.method(), route.path());
            }
        }
    }
}
