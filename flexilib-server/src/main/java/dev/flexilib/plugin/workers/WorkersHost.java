package dev.flexilib.plugin.workers;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flexilib.Diagnostics;
import dev.flexilib.config.ConfigException;
import dev.flexilib.config.PluginSpec;
import dev.flexilib.config.WorkerConfig;
import dev.flexilib.plugin.ChildProcesses;
import dev.flexilib.plugin.FileTrees;
import dev.flexilib.plugin.Plugin;
import dev.flexilib.plugin.PluginHost;
import dev.flexilib.plugin.PluginLoadException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hosts Cloudflare Workers ({@code worker.js}, {@code wrangler.toml} routes): each
 * generation is a workerd serving the Worker's wrangler config, which flexilib
 * writes to {@code .wrangler/flexilib/NAME/wrangler.json} in the Worker's
 * directory, so that workerd keeps the Worker's local state (KV, D1, Durable
 * Objects) beside it across generations and restarts. workerd bundles
 * {@code main} with esbuild, as wrangler does.
 */
public final class WorkersHost implements PluginHost {
    /** Files a Worker's module graph is made of, as esbuild's loaders and wrangler's module rules take them. */
    private static final Set<String> MODULE_EXTENSIONS = Set.of("js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx",
            "json", "wasm", "txt", "html", "sql", "bin");
    private static final Set<String> NOT_SOURCES = Set.of("node_modules", ".wrangler", ".git");
    private static final int MAX_SOURCES = 2_000;

    private final Diagnostics diagnostics;
    private final Duration readiness;
    private final Workerd workerd;
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("flexilib-worker-", 0).factory());
    private final List<Worker> running = new CopyOnWriteArrayList<>();
    private final AtomicInteger generations = new AtomicInteger();
    private Path scratch;
    private ChildProcesses processes;

    /** {@code environment}: where workerd is ({@code FLEXILIB_WORKERD}, {@code FLEXILIB_ESBUILD}). */
    public WorkersHost(Diagnostics diagnostics, Map<String, String> environment) {
        this(diagnostics, Workerd.locate(environment), Duration.ofSeconds(30));
    }

    WorkersHost(Diagnostics diagnostics, Workerd workerd, Duration readiness) {
        this.diagnostics = diagnostics;
        this.workerd = workerd;
        this.readiness = readiness;
    }

    Diagnostics diagnostics() {
        return diagnostics;
    }

    Workerd workerd() {
        return workerd;
    }

    /** The directory of the sockets and control FIFOs: this server's own (mode 700), made at the first load. */
    synchronized Path scratch() {
        if (scratch == null) {
            try {
                scratch = Files.createTempDirectory("flexilib-workers-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a directory for workerd's sockets", e);
            }
        }
        return scratch;
    }

    synchronized ChildProcesses processes() {
        if (processes == null) {
            processes = new ChildProcesses("flexilib-workers-spawner");
        }
        return processes;
    }

    /**
     * Reads the Worker's settings, writes its wrangler config and starts a workerd on
     * it: a version that workerd does not start (a syntax error, a bad binding) is
     * not published, and workerd's own message says why.
     */
    @Override
    public Plugin load(PluginSpec spec, Path copy) throws PluginLoadException {
        String missing = workerd.missing();
        if (missing != null) {
            throw new PluginLoadException(missing);
        }
        WorkerConfig config;
        try {
            config = WorkerConfig.read(spec.path());
        } catch (ConfigException e) {
            throw new PluginLoadException(e.getMessage(), e);
        }
        int number = generations.incrementAndGet();
        try {
            Path wrangler = writeConfig(config);
            Worker worker = Worker.start(this, config, wrangler, number, readiness);
            running.add(worker);
            return worker;
        } catch (IOException e) {
            throw new PluginLoadException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginLoadException("interrupted while workerd started", e);
        }
    }

    /**
     * {@code .wrangler/flexilib/NAME/wrangler.json} in the Worker's directory, written
     * whole. Unless the Worker is unbundled, its {@code main} is an entry module that
     * wraps the Worker's own, to run its {@code scheduled} handler when asked.
     */
    private static Path writeConfig(WorkerConfig config) throws IOException {
        Path state = Files.createDirectories(config.directory().resolve(".wrangler").resolve("flexilib")
                .resolve(config.name()));
        ObjectNode wrangler = config.wrangler().deepCopy();
        if (!wrangler.path("no_bundle").asBoolean(false)) {
            Path entry = writeWhole(state.resolve("entry.mjs"), entry(config.main()));
            wrangler.put("main", entry.toString());
        }
        return writeWhole(state.resolve("wrangler.json"), wrangler.toPrettyString());
    }

    /**
     * The Worker's module, with {@code GET .../cdn-cgi/handler/scheduled?cron=EXPR} running
     * its {@code scheduled} handler (as {@code wrangler dev --test-scheduled} offers;
     * {@code /cdn-cgi/} never reaches a Worker on Cloudflare). A class-based Worker is
     * served as it is.
     */
    private static String entry(Path main) {
        String module = JsonNodeFactory.instance.textNode(main.toString()).toString(); // a JavaScript string
        return """
                // written by flexilib: the Worker's own module, and a way to run its scheduled handler by hand
                import * as module from %1$s;
                export * from %1$s;
                const worker = module.default;
                const SCHEDULED = "/cdn-cgi/handler/scheduled";
                export default typeof worker !== "object" || worker === null ? worker
                  : Object.assign(Object.create(worker), {
                      async fetch(request, env, ctx) {
                        const url = new URL(request.url);
                        if (url.pathname.endsWith(SCHEDULED) && typeof worker.scheduled === "function") {
                          const time = Number(url.searchParams.get("time") ?? Date.now());
                          await worker.scheduled({ type: "scheduled", cron: url.searchParams.get("cron") ?? "",
                            scheduledTime: time, noRetry() {} }, env, ctx);
                          return new Response("Ran scheduled event");
                        }
                        return worker.fetch(request, env, ctx);
                      },
                    });
                """.formatted(module);
    }

    private static Path writeWhole(Path file, String text) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(aside, text);
        return Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A generation's workerd stopped. */
    void stopped(Worker worker) {
        running.remove(worker);
    }

    /**
     * The settings file, the secrets beside it ({@code .dev.vars}, {@code .env}, watched
     * whether they exist or not) and the files of the module graph: everything under
     * {@code main}'s directory that a module can be, but {@code node_modules} and
     * {@code .wrangler}.
     */
    @Override
    public List<Path> sources(PluginSpec spec) {
        List<Path> sources = new ArrayList<>(List.of(spec.path()));
        WorkerConfig config;
        try {
            config = WorkerConfig.read(spec.path());
        } catch (ConfigException e) {
            return sources; // its load says what is wrong
        }
        sources.add(config.directory().resolve(".dev.vars"));
        sources.add(config.directory().resolve(".env"));
        if (config.main() != null && !config.main().equals(spec.path().toAbsolutePath().normalize())) {
            sources.add(config.main());
        }
        Path root = config.main() == null ? config.directory() : config.main().getParent();
        List<Path> modules = new ArrayList<>();
        try {
            Files.walkFileTree(root, Set.of(), 8, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes) {
                    String name = directory.getFileName() == null ? "" : directory.getFileName().toString();
                    return directory.equals(root) || !(NOT_SOURCES.contains(name) || name.startsWith("."))
                            ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (attributes.isRegularFile() && MODULE_EXTENSIONS.contains(extension(file))
                            && !sources.contains(file)) {
                        modules.add(file);
                    }
                    return modules.size() < MAX_SOURCES ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // the files that could be listed are watched
        }
        modules.sort(Comparator.naturalOrder());
        sources.addAll(modules);
        return sources;
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1);
    }

    @Override
    public Executor executor() {
        return threads;
    }

    @Override
    public void close() {
        running.forEach(Worker::close);
        threads.shutdownNow();
        synchronized (this) {
            if (processes != null) {
                processes.close();
            }
            if (scratch != null) {
                FileTrees.delete(scratch);
            }
        }
    }
}
