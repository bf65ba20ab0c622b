package dev.flexilib;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.config.ConfigError;
import dev.flexilib.config.ConfigException;
import dev.flexilib.config.PluginSpec;
import dev.flexilib.config.ProxyIni;
import dev.flexilib.config.RouteConfig;
import dev.flexilib.config.SamTemplate;
import dev.flexilib.config.ServerSettings;
import dev.flexilib.http.HttpServer;
import dev.flexilib.plugin.Plugins;
import dev.flexilib.plugin.java.JavaHost;
import dev.flexilib.plugin.lambda.LambdaHost;
import dev.flexilib.plugin.wasm.WasmHost;
import dev.flexilib.plugin.workers.WorkersHost;
import dev.flexilib.plugin.natives.NativeHost;
import dev.flexilib.routing.Route;
import dev.flexilib.routing.RouteTable;
import dev.flexilib.routing.Router;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/** A running flexilib: the route table from one config file, its plugins and the HTTP listener. */
public final class Server implements AutoCloseable {
    private final Path configFile;
    private final SamTemplate.Overrides sam;
    private final Diagnostics diagnostics;
    private final Plugins plugins;
    private final Router router;
    private final AccessLog accessLog;
    private final HttpServer http;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Server(Path configFile, SamTemplate.Overrides sam, Diagnostics diagnostics, Plugins plugins, Router router,
                   AccessLog accessLog, HttpServer http) {
        this.configFile = configFile;
        this.sam = sam;
        this.diagnostics = diagnostics;
        this.plugins = plugins;
        this.router = router;
        this.accessLog = accessLog;
        this.http = http;
    }

    /**
     * Reads {@code configFile} and starts serving it. Throws {@link ConfigException}
     * if the file has errors, and before anything is started.
     */
    public static Server start(ServerSettings settings, Path configFile, OutputStream accessLogOut,
                               Diagnostics diagnostics) throws InterruptedException, IOException {
        return start(settings, OptionalInt.empty(), configFile, accessLogOut, diagnostics);
    }

    /**
     * As {@link #start(ServerSettings, Path, OutputStream, Diagnostics)}; with an
     * {@code inheritedSocket} it serves the listening socket this process has as
     * that descriptor (0 from the supervisor, 3 from systemd) instead of binding one.
     */
    public static Server start(ServerSettings settings, OptionalInt inheritedSocket, Path configFile,
                               OutputStream accessLogOut, Diagnostics diagnostics)
            throws InterruptedException, IOException {
        RouteConfig config = ProxyIni.read(configFile, settings.sam());
        warn(config, diagnostics);
        LambdaHost lambda = new LambdaHost(diagnostics, settings.lambdaIdleTimeout(), settings.sam());
        Plugins plugins = new Plugins(Map.of(
                PluginSpec.Kind.NATIVE, new NativeHost(settings.workerThreads(), settings.preallocationBytes(),
                        HttpServer.responseMemory()),
                PluginSpec.Kind.JAVA, new JavaHost(diagnostics, settings.javaConcurrency()),
                PluginSpec.Kind.LAMBDA, lambda, PluginSpec.Kind.SAM, lambda,
                PluginSpec.Kind.WORKER, new WorkersHost(diagnostics, System.getenv()),
                PluginSpec.Kind.WASM, new WasmHost(diagnostics, settings.wasmConcurrency(), settings.wasmMemoryBytes())),
                diagnostics, settings.reloadQuietPeriod());
        Router router = new Router(RouteTable.build(config, plugins, RouteTable.empty()));
        if (settings.preload()) {
            preload(router.table());
        }
        AccessLog accessLog = new AccessLog(accessLogOut);
        Dispatcher dispatcher = new Dispatcher(router, diagnostics);
        HttpServer http;
        try {
            http = HttpServer.start(settings, inheritedSocket, dispatcher, accessLog, diagnostics);
        } catch (RuntimeException | InterruptedException | IOException e) {
            accessLog.close();
            plugins.close();
            throw e;
        }
        Server server = new Server(configFile, settings.sam(), diagnostics, plugins, router, accessLog, http);
        diagnostics.info(Event.SERVER_STARTED, "listening on " + settings.listenAddress().getHostAddress() + ":" + server.address().getPort() + " (" + http.transport() + ", " + settings.workerThreads()
                + " native workers, " + config.routes().size() + " routes from " + configFile + ")");
        return server;
    }

    /** Loads every plugin on its own kind of thread (native code on a native worker), one after another. */
    private static void preload(RouteTable table) {
        table.routes().stream().flatMap(route -> route instanceof Route.PluginRoute plugin
                        ? java.util.stream.Stream.of(plugin.slot()) : java.util.stream.Stream.empty()).distinct()
                .forEach(slot -> CompletableFuture.runAsync(slot::preload, slot.executor()).join());
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
            config = ProxyIni.read(configFile, sam);
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

    /**
     * Graceful stop (SIGTERM): stops accepting, lets requests in flight finish
     * until {@code deadline}, then closes everything.
     */
    public void shutdown(Duration deadline) {
        http.stopAccepting();
        diagnostics.info(Event.SERVER_DRAINING, "stopping: no new connections; requests in flight have "
                + deadline.toSeconds() + " s to finish");
        http.drain(deadline);
        close();
    }

    /** Stops listening, closes connections, lets the plugins drain and unloads them. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        http.close();
        router.replace(RouteTable.empty());
        plugins.close();
        accessLog.close();
        diagnostics.info(Event.SERVER_STOPPED, "stopped");
    }
}
