package dev.flexilib.plugin.java;

import dev.flexilib.Diagnostics;
import dev.flexilib.api.Handler;
import dev.flexilib.config.PluginSpec;
import dev.flexilib.plugin.Plugin;
import dev.flexilib.plugin.PluginHost;
import dev.flexilib.plugin.PluginLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * Hosts Java plugins: each generation of a JAR gets its own class loader whose
 * parent sees only the JDK and the plugin API, and handlers run on virtual threads.
 */
public final class JavaHost implements PluginHost {
    private final ClassLoader parent = new ApiOnlyClassLoader();
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("flexilib-java-", 0).factory());
    private final Diagnostics diagnostics;
    private final int concurrencyLimit;

    /** {@code concurrencyLimit}: requests one plugin runs at once; more answer 503. */
    public JavaHost(Diagnostics diagnostics, int concurrencyLimit) {
        this.diagnostics = diagnostics;
        this.concurrencyLimit = concurrencyLimit;
    }

    /**
     * Loads on a fresh virtual thread, so that thread-locals the plugin sets in
     * {@code init} end with it instead of pinning the class loader to a pooled thread.
     */
    @Override
    public Plugin load(PluginSpec spec, Path copy) throws PluginLoadException {
        Plugin[] loaded = new Plugin[1];
        RuntimeException[] failed = new RuntimeException[1];
        Thread thread = Thread.ofVirtual().name("flexilib-load-" + spec.path().getFileName()).start(() -> {
            try {
                loaded[0] = loadHere(spec, copy);
            } catch (RuntimeException e) {
                failed[0] = e;
            } catch (Error e) {
                failed[0] = new PluginLoadException(spec + ": " + e, e);
            }
        });
        // a request that waits for this load may time out and be interrupted; the load still finishes,
        // so that its result is published (or its failure recorded) rather than lost
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failed[0] != null) {
            throw failed[0];
        }
        return loaded[0];
    }

    private Plugin loadHere(PluginSpec spec, Path copy) throws PluginLoadException {
        String name = spec.path().getFileName().toString().replaceFirst("\\.jar$", "");
        URLClassLoader loader = new URLClassLoader("plugin-" + name, new URL[] {url(copy)}, parent);
        try {
            Handler handler = instantiate(spec, loader);
            Context context = new Context(name, new PluginLogger(name, diagnostics), spec.path().getParent(),
                    config(spec.path().resolveSibling(name + ".properties")));
            initialize(handler, context, loader);
            return new JavaPlugin(name, handler, loader, concurrencyLimit, diagnostics);
        } catch (RuntimeException | Error e) {
            Leaks.release(name, loader, diagnostics);
            closeQuietly(loader);
            throw e instanceof PluginLoadException p ? p : new PluginLoadException(spec + ": " + e, e);
        }
    }

    private static Handler instantiate(PluginSpec spec, ClassLoader loader) throws PluginLoadException {
        if (spec.entryPoint().isPresent()) {
            String className = spec.entryPoint().get();
            try {
                Class<?> type = Class.forName(className, true, loader);
                if (!Handler.class.isAssignableFrom(type)) {
                    throw new PluginLoadException(className + " does not implement " + Handler.class.getName());
                }
                return (Handler) type.getConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new PluginLoadException("cannot create " + className + ": " + e, e);
            }
        }
        List<ServiceLoader.Provider<Handler>> providers = ServiceLoader.load(Handler.class, loader).stream().toList();
        if (providers.isEmpty()) {
            throw new PluginLoadException("the JAR lists no handler in META-INF/services/" + Handler.class.getName());
        }
        if (providers.size() > 1) {
            throw new PluginLoadException("the JAR lists several handlers (" + providers.stream()
                    .map(p -> p.type().getName()).toList() + "); pick one with 'file.jar#ClassName' in proxy.ini");
        }
        try {
            return providers.getFirst().get();
        } catch (java.util.ServiceConfigurationError e) {
            throw new PluginLoadException("cannot create the handler: " + e.getMessage(), e);
        }
    }

    /** Runs init with the plugin's class loader as the context loader, as frameworks inside it expect. */
    private static void initialize(Handler handler, Context context, ClassLoader loader) throws PluginLoadException {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            handler.init(context);
        } catch (Exception e) {
            throw new PluginLoadException("init failed: " + e, e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static Map<String, String> config(Path properties) throws PluginLoadException {
        if (!Files.isRegularFile(properties)) {
            return Map.of();
        }
        Properties values = new Properties();
        try (InputStream in = Files.newInputStream(properties)) {
            values.load(in);
        } catch (IOException e) {
            throw new PluginLoadException("cannot read " + properties + ": " + e, e);
        }
        Map<String, String> map = new HashMap<>();
        values.stringPropertyNames().forEach(key -> map.put(key, values.getProperty(key)));
        return Map.copyOf(map);
    }

    private static URL url(Path jar) throws PluginLoadException {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new PluginLoadException("cannot load " + jar + ": " + e, e);
        }
    }

    static void closeQuietly(URLClassLoader loader) {
        try {
            loader.close();
        } catch (IOException ignored) {
            // closing the JAR file of a copy we delete next
        }
    }

    @Override
    public Executor executor() {
        return threads;
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }

    private record Context(String name, System.Logger logger, Path directory, Map<String, String> config)
            implements dev.flexilib.api.PluginContext {}
}
