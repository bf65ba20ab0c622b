package dev.flexilib.plugin.lambda;

import dev.flexilib.Diagnostics;
import dev.flexilib.config.ConfigException;
import dev.flexilib.config.FunctionConfig;
import dev.flexilib.config.PluginSpec;
import dev.flexilib.config.SamTemplate;
import dev.flexilib.http.LocalListeners;
import dev.flexilib.plugin.FileTrees;
import dev.flexilib.plugin.Plugin;
import dev.flexilib.plugin.PluginHost;
import dev.flexilib.plugin.PluginLoadException;
import dev.flexilib.plugin.SourcesFingerprint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hosts AWS Lambda functions ({@code lambda:function.json} routes): each
 * generation is a {@link Function} with its own task root and execution
 * environments. Requests wait for their invocations on virtual threads. The
 * host owns what the environments share: the loopback listeners of their
 * Runtime APIs, the thread that starts their processes, and one timer thread
 * for invocation timeouts, the memory limit and stopping idle environments.
 */
public final class LambdaHost implements PluginHost {
    private static final long SWEEP_MILLIS = 250;

    private final Diagnostics diagnostics;
    private final Duration idleTimeout;
    private final SamTemplate.Overrides sam;
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("flexilib-lambda-", 0).factory());
    private final List<Function> functions = new CopyOnWriteArrayList<>();
    private final AtomicInteger generations = new AtomicInteger();
    /** The functions of each SAM application's latest generation, for the next one to keep if they did not change. */
    private final Map<PluginSpec, Map<String, Kept>> applications = new ConcurrentHashMap<>();
    /** What the environments share, made when the first function loads: a server without one has none of it. */
    private Shared shared;

    /** A SAM application's function, and what it was made from. */
    private record Kept(Function function, FunctionConfig config, SourcesFingerprint code) {}

    private record Shared(Path scratch, LocalListeners listeners, Launcher launcher, ScheduledExecutorService timers) {}

    /**
     * {@code idleTimeout}: an execution environment idle this long is stopped;
     * {@code sam}: what SAM templates are read with (the SAM CLI's
     * {@code --parameter-overrides} and {@code --env-vars}).
     */
    public LambdaHost(Diagnostics diagnostics, Duration idleTimeout, SamTemplate.Overrides sam) {
        this.diagnostics = diagnostics;
        this.idleTimeout = idleTimeout;
        this.sam = sam;
    }

    private synchronized Shared shared() {
        if (shared == null) {
            Path scratch;
            try {
                scratch = Files.createTempDirectory("flexilib-lambda-" + ProcessHandle.current().pid() + "-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a directory for Lambda task roots", e);
            }
            ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("flexilib-lambda-timer").daemon().factory());
            timers.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
            shared = new Shared(scratch, new LocalListeners(RuntimeApi.MAX_READ_BYTES, diagnostics),
                    new Launcher(javaRuntime(), scratch), timers);
        }
        return shared;
    }

    /**
     * Where the build put AWS's Java runtime interface client and its libraries:
     * {@code lambda-java-runtime/} beside the server's JAR (or its classes directory).
     */
    private static Path javaRuntime() {
        try {
            Path code = Path.of(LambdaHost.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.getParent().resolve("lambda-java-runtime");
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("lambda-java-runtime");
        }
    }

    Diagnostics diagnostics() {
        return diagnostics;
    }

    LocalListeners listeners() {
        return shared().listeners();
    }

    Launcher launcher() {
        return shared().launcher();
    }

    ScheduledExecutorService timers() {
        return shared().timers();
    }

    /** Where execution environment {@code number} of {@code function} writes its output. */
    Path outputFile(Function function, int number) {
        return shared().scratch().resolve(function.taskRoot().getFileName() + "-" + number + ".log");
    }

    /**
     * Reads the function's settings, copies its code into a task root of this
     * generation's own and starts its first execution environment: a function
     * whose runtime does not initialise is not published, so a broken new version
     * leaves the old one serving.
     */
    @Override
    public Plugin load(PluginSpec spec, Path copy) throws PluginLoadException {
        // on a thread of its own: the request waiting for this load may be interrupted (it timed out, or its
        // client left), and the load goes on, so that its result is published or its failure recorded
        CompletableFuture<Plugin> loading = new CompletableFuture<>();
        Thread.ofVirtual().name("flexilib-lambda-load-" + spec.path().getFileName()).start(() -> {
            try {
                loading.complete(loadHere(spec));
            } catch (RuntimeException e) {
                loading.completeExceptionally(e); // a PluginLoadException among them
            }
        });
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return loading.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof PluginLoadException load ? load
                            : new PluginLoadException(e.getCause().toString(), e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Plugin loadHere(PluginSpec spec) throws PluginLoadException {
        if (spec.kind() == PluginSpec.Kind.SAM) {
            return loadApplication(spec);
        }
        FunctionConfig config;
        try {
            config = FunctionConfig.read(spec.path());
        } catch (ConfigException e) {
            throw new PluginLoadException(e.getMessage(), e);
        }
        Path taskRoot = shared().scratch().resolve(config.name() + "-" + generations.incrementAndGet());
        CodeCopy.prepare(config.code(), taskRoot, config.java());
        Function function = new Function(config, this, taskRoot);
        functions.add(function);
        try {
            function.warmUp();
        } catch (EnvironmentPool.InitFailed e) {
            function.close();
            throw new PluginLoadException("the function's runtime did not initialise: " + e.getMessage(), e);
        }
        return function;
    }

    /**
     * A SAM application: every function's code in a task root of its own, and every
     * runtime initialised before the generation is published (a new version with one
     * broken function leaves the old application serving). A function the previous
     * generation has with the same settings and the same code is kept, warm: a rebuilt
     * JAR restarts its own function, a new route restarts none.
     */
    private Plugin loadApplication(PluginSpec spec) throws PluginLoadException {
        SamTemplate template;
        try {
            template = readTemplate(spec.path());
        } catch (ConfigException e) {
            throw new PluginLoadException(e.getMessage(), e);
        }
        template.warnings().forEach(warning -> diagnostics.warn(Diagnostics.Event.CONFIG_WARNING, warning.toString()));
        Map<String, Kept> previous = applications.getOrDefault(spec, Map.of());
        Map<String, Kept> kept = new LinkedHashMap<>();
        List<Function> started = new ArrayList<>();
        ApiRoutes routes = new ApiRoutes();
        Map<String, ApiGateway> gateways = new HashMap<>(); // one per API and payload format
        try {
            int generation = generations.incrementAndGet();
            for (SamTemplate.Function resource : template.functions()) {
                FunctionConfig config = resource.config();
                SourcesFingerprint code = SourcesFingerprint.of(List.of(config.code()));
                Kept before = previous.get(resource.logicalId());
                Function function;
                if (before != null && before.config().equals(config) && before.code().equals(code)
                        && before.function().retain()) {
                    function = before.function();
                } else {
                    Path taskRoot = shared().scratch().resolve(config.name() + "-" + generation);
                    CodeCopy.prepare(config.code(), taskRoot, config.java());
                    function = new Function(config, this, taskRoot);
                    this.functions.add(function);
                    started.add(function);
                }
                kept.put(resource.logicalId(), new Kept(function, config, code));
                Function routed = function;
                resource.routes().forEach(route -> routes.add(route, routed, gateways.computeIfAbsent(
                        route.api().logicalId() + " " + route.payloadFormat(), key -> route.rest()
                                ? ApiGateway.restApi(route.api().binaryMediaTypes()) : ApiGateway.of(route.payloadFormat()))));
            }
            warmUp(started);
        } catch (RuntimeException e) {
            kept.values().forEach(function -> function.function().close());
            throw e;
        }
        applications.put(spec, kept);
        Map<String, Function> functions = new LinkedHashMap<>();
        kept.forEach((id, function) -> functions.put(id, function.function()));
        return new SamApplication(template, spec.entryPoint().orElse(""), functions, routes);
    }

    /** Initialises every function's first runtime at once; the first failure fails them all. */
    private static void warmUp(List<Function> functions) throws PluginLoadException {
        List<CompletableFuture<String>> started = functions.stream().map(function -> {
            CompletableFuture<String> failure = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    function.warmUp();
                    failure.complete(null);
                } catch (EnvironmentPool.InitFailed e) {
                    failure.complete(function.config().name() + "'s runtime did not initialise: " + e.getMessage());
                }
            });
            return failure;
        }).toList();
        for (CompletableFuture<String> failure : started) {
            String message = failure.join();
            if (message != null) {
                throw new PluginLoadException(message);
            }
        }
    }

    private SamTemplate readTemplate(Path file) {
        return sam.read(file);
    }

    /** The settings file (or template), and the code it names: a new build of the code makes a new generation. */
    @Override
    public List<Path> sources(PluginSpec spec) {
        try {
            if (spec.kind() == PluginSpec.Kind.SAM) {
                List<Path> sources = new ArrayList<>(List.of(spec.path()));
                readTemplate(spec.path()).functions().forEach(function -> sources.add(function.config().code()));
                return sources;
            }
            return List.of(spec.path(), FunctionConfig.read(spec.path()).code());
        } catch (ConfigException e) {
            return List.of(spec.path()); // its load reports the errors
        }
    }

    void unloaded(Function function) {
        functions.remove(function);
        FileTrees.delete(function.taskRoot());
    }

    @Override
    public Executor executor() {
        return threads;
    }

    /** The memory limit of busy environments, the idle timeout of idle ones, and what their runtimes printed. */
    private void sweep() {
        long idleSince = System.nanoTime() - idleTimeout.toNanos();
        for (Function function : functions) {
            for (Environment environment : function.pool().environments()) {
                if (environment.state() == Environment.State.BUSY) {
                    environment.checkMemory();
                }
                environment.samplePeak();
                environment.readOutput(false);
            }
            function.pool().stopIdle(idleSince);
        }
    }

    @Override
    public void close() {
        functions.forEach(Function::stop);
        threads.shutdownNow();
        synchronized (this) {
            if (shared != null) {
                shared.timers().shutdownNow();
                shared.launcher().close();
                shared.listeners().close();
                FileTrees.delete(shared.scratch());
            }
        }
    }
}
