package dev.flexilib;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.config.ConfigError;
import dev.flexilib.config.ConfigException;
import dev.flexilib.config.PluginSpec;
import dev.flexilib.config.ProxyIni;
import dev.flexilib.config.RouteConfig;
import dev.flexilib.config.ServerSettings;
import dev.flexilib.http.HttpServer;
import dev.flexilib.plugin.Plugins;
import dev.flexilib.plugin.java.JavaHost;
import dev.flexilib.plugin.natives.NativeHost;
import dev.flexilib.routing.RouteTable;
import dev.flexilib.routing.Router;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

/** A running flexilib: the route table from one config file, its plugins and the HTTP listener. */
public final class Server implements AutoCloseable {
    private final Path configFile;
    private final Diagnostics diagnostics;
    private final Plugins plugins;
    private final Router router;
    private final AccessLog accessLog;
    private final Dispatcher dispatcher;
    private final HttpServer http;

    private Server(Path configFile, Diagnostics diagnostics, Plugins plugins, Router router, AccessLog accessLog,
                   Dispatcher dispatcher, HttpServer http) {
        this.configFile = configFile;
        this.diagnostics = diagnostics;
        this.plugins = plugins;
        this.router = router;
        this.accessLog = accessLog;
        this.dispatcher = dispatcher;
        this.http = http;
    }

    /**
     * Reads {@code configFile} and starts serving it. Throws {@link ConfigException}
     * if the file has errors, and before anything is started.
     */
    public static Server start(ServerSettings settings, Path configFile, OutputStream accessLogOut,
                               Diagnostics diagnostics) throws InterruptedException {
        RouteConfig config = ProxyIni.read(configFile);
        warn(config, diagnostics);
        Plugins plugins = new Plugins(Map.of(
                PluginSpec.Kind.NATIVE, new NativeHost(settings.workerThreads(), settings.preallocationBytes()),
                PluginSpec.Kind.JAVA, new JavaHost(diagnostics, settings.javaConcurrency())),
                diagnostics, settings.reloadQuietPeriod());
        Router router = new Router(RouteTable.build(config, plugins, RouteTable.empty()));
        AccessLog accessLog = new AccessLog(accessLogOut);
        Dispatcher dispatcher = new Dispatcher(router, settings.requestTimeout(), diagnostics);
        HttpServer http;
        try {
            http = HttpServer.start(settings, dispatcher, accessLog, diagnostics);
        } catch (RuntimeException | InterruptedException e) {
            dispatcher.close();
            accessLog.close();
            plugins.close();
            throw e;
        }
        Server server = new Server(configFile, diagnostics, plugins, router, accessLog, dispatcher, http);
        diagnostics.info(Event.SERVER_STARTED, "listening on " + settings.listenAddress().getHostAddress() + ":" + server.address().getPort() + " (" + http.transport() + ", " + settings.workerThreads()
                + " native workers, " + config.routes().size() + " routes from " + configFile + ")");
        return server;
    }

    public InetSocketAddress address() {
        return http.address();
    }

    /**
     * Re-reads the config file (SIGHUP). A valid file replaces the route table at
     * once, keeping every plugin it still names loaded; a file with errors is
     * reported and the current table keeps serving. Returns whether it was applied.
     */
    public synchronized boolean reloadConfig() {
        RouteConfig config;
        try {
            config = ProxyIni.read(configFile);
        } catch (ConfigException e) {
            diagnostics.warn(Event.CONFIG_REJECTED, configFile + " has errors; the previous routes keep serving:\n"
                    + e.errors().stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
            return false;
        }
        warn(config, diagnostics);
        router.replace(RouteTable.build(config, plugins, router.table()));
        diagnostics.info(Event.CONFIG_RELOADED, configFile + ": " + config.routes().size() + " routes");
        return true;
    }

    private static void warn(RouteConfig config, Diagnostics diagnostics) {
        config.warnings().forEach(warning -> diagnostics.warn(Event.CONFIG_WARNING, warning.toString()));
    }

    /** Stops listening, lets the plugins drain and unloads them. */
    @Override
    public void close() {
        http.close();
        dispatcher.close();
        router.replace(RouteTable.empty());
        plugins.close();
        accessLog.close();
        diagnostics.info(Event.SERVER_STOPPED, "stopped");
    }
}
