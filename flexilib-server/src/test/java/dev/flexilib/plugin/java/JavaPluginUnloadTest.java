package dev.flexilib.plugin.java;

import dev.flexilib.JarBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.TestServer;
import dev.flexilib.config.ServerSettings;
import dev.flexilib.JarBuilder.Jar;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unloaded generation leaves nothing behind: its class loader and classes are
 * collected, even when the plugin left a thread or a shutdown hook behind.
 *
 * <p>Which plugin class loaders are alive is what {@code jcmd VM.classloaders fold=false}
 * prints (through its MBean); the loader of a generation of {@code x.jar} is
 * named {@code plugin-x}.
 */
class JavaPluginUnloadTest {
    private static final int RELOADS = 120;
    /** The footprint is measured first after this many reloads, once the JIT and the server have warmed up. */
    private static final int BASELINE_RELOADS = 20;
    /** Nested classes in each generation besides the handler, so that each one weighs in metaspace. */
    private static final int PARTS = 40;
    private static final int CLASSES_PER_GENERATION = 1 + PARTS;
    private static final long METASPACE_SLACK_BYTES = 2 * 1024 * 1024;
    /** How long to keep collecting for a loader that is about to become unreachable. */
    private static final Duration COLLECTION_DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aHundredReloadsLeaveOnlyTheCurrentGenerationLoaded() throws Exception {
        Jar reloaded = JarBuilder.plugin().source("reloaded.Reloaded", reloadedSource())
                .service("reloaded.Reloaded").build();
        Path jar = reloaded.with("generation.txt", "1").writeInPlace(dir.resolve("reloaded.jar"));
        try (TestServer server = TestServer.start(quickReloads(),
                TestServer.writeConfig(dir, "/r = reloaded.jar\n"))) {
            assertThat(server.get("/r").body()).isEqualTo("generation 1 of " + CLASSES_PER_GENERATION + " classes");
            Footprint baseline = null;
            long started = System.nanoTime();
            for (int generation = 2; generation <= RELOADS + 1; generation++) {
                reloaded.with("generation.txt", Integer.toString(generation)).moveIntoPlace(jar);
                String swapped = "generation " + generation + " serves";
                server.awaitEvent(Event.GENERATION_SWAPPED, m -> m.contains(swapped));
                assertThat(server.get("/r").body())
                        .isEqualTo("generation " + generation + " of " + CLASSES_PER_GENERATION + " classes");
                if (generation == BASELINE_RELOADS + 1) {
                    baseline = Footprint.afterCollecting("plugin-reloaded", 1);
                }
            }
            long reloading = System.nanoTime() - started;
            long beforeCollecting = usedMetaspace();
            Footprint last = Footprint.afterCollecting("plugin-reloaded", 1);

            System.out.printf("%d reloads in %d ms; after %d reloads: %s; after %d: %s; metaspace before the last "
                            + "collection: %d KiB%n", RELOADS, Duration.ofNanos(reloading).toMillis(),
                    BASELINE_RELOADS, baseline, RELOADS, last, beforeCollecting / 1024);
            assertThat(last.liveLoaders()).as("plugin class loaders still alive").isEqualTo(1);
            assertThat(last.unloadedClasses() - baseline.unloadedClasses())
                    .as("classes unloaded by the last %d reloads", RELOADS - BASELINE_RELOADS)
                    .isGreaterThanOrEqualTo((long) (RELOADS - BASELINE_RELOADS - 10) * CLASSES_PER_GENERATION);
            assertThat(last.metaspaceUsed()).as("metaspace used after the last collection")
                    .isLessThanOrEqualTo(baseline.metaspaceUsed() + METASPACE_SLACK_BYTES);
        }
    }

    @Test
    void aThreadThePluginLeftRunningIsReportedInterruptedAndItsLoaderStillCollected() throws Exception {
        JarBuilder.plugin().source("leaky.Leaky", """
                package leaky;

                import dev.flexilib.api.*;
                import java.util.concurrent.CountDownLatch;

                /** Starts a worker in init and forgets to stop it in close; the worker does end when interrupted. */
                public final class Leaky implements Handler {
                    @Override
                    public void init(PluginContext context) {
                        Thread worker = new Thread(Leaky::work, "leaky-worker");
                        worker.setDaemon(true);
                        worker.start();
                    }

                    private static void work() {
                        try {
                            new CountDownLatch(1).await();
                        } catch (InterruptedException e) {
                            // asked to stop
                        }
                    }

                    @Override
                    public Response handle(Request request) {
                        return Response.ok("leaking");
                    }
                }
                """).service("leaky.Leaky").build().writeInPlace(dir.resolve("leaky.jar"));
        try (TestServer server = TestServer.withConfig(dir, "/leaky = leaky.jar\n")) {
            assertThat(server.get("/leaky").body()).isEqualTo("leaking");
            assertThat(liveThread("leaky-worker")).as("the plugin's worker runs").isPresent();

            unloadEverything(server);

            server.awaitEvent(Event.PLUGIN_LEAK,
                    m -> m.equals("leaky left thread 'leaky-worker' running after close(); interrupting it"));
            awaitEnd("leaky-worker");
            assertThat(Footprint.afterCollecting("plugin-leaky", 0).liveLoaders())
                    .as("live class loaders of the unloaded plugin").isZero();
        }
    }

    @Test
    void aShutdownHookThePluginLeftIsRemovedAndItsLoaderStillCollected() throws Exception {
        JarBuilder.plugin().source("hooked.Hooked", """
                package hooked;

                import dev.flexilib.api.*;

                /** Registers a shutdown hook in init and forgets to remove it in close. */
                public final class Hooked implements Handler {
                    @Override
                    public void init(PluginContext context) {
                        Runtime.getRuntime().addShutdownHook(new Thread(Hooked::flush, "hooked-hook"));
                    }

                    private static void flush() {
                    }

                    @Override
                    public Response handle(Request request) {
                        return Response.ok("hooked");
                    }
                }
                """).service("hooked.Hooked").build().writeInPlace(dir.resolve("hooked.jar"));
        try (TestServer server = TestServer.withConfig(dir, "/hooked = hooked.jar\n")) {
            assertThat(server.get("/hooked").body()).isEqualTo("hooked");

            unloadEverything(server);

            server.awaitEvent(Event.PLUGIN_LEAK,
                    m -> m.equals("hooked left shutdown hook 'hooked-hook' registered after close(); removed it"));
            assertThat(Footprint.afterCollecting("plugin-hooked", 0).liveLoaders())
                    .as("live class loaders of the unloaded plugin").isZero();
        }
    }

    /** Removes every route, so that the plugins' only generations are closed. */
    private static void unloadEverything(TestServer server) throws InterruptedException {
        TestServer.writeConfig(server.configFile().getParent(), "");
        assertThat(server.server().reloadConfig()).isTrue();
        server.awaitEvent(Event.GENERATION_UNLOADED, m -> m.startsWith("generation 1 "));
    }

    /** The handler and PARTS nested classes, all loaded in init; answers with the generation it was built as. */
    private static String reloadedSource() {
        String parts = IntStream.range(0, PARTS).mapToObj(i -> """
                    static final class Part%1$d {
                        int weight(int x) {
                            return x * %1$d + "part %1$d".length();
                        }
                    }
                """.formatted(i)).collect(Collectors.joining("\n"));
        String create = IntStream.range(0, PARTS).mapToObj(i -> "new Part" + i + "().getClass()")
                .collect(Collectors.joining(", "));
        return """
                package reloaded;

                import dev.flexilib.api.*;
                import java.io.InputStream;
                import java.nio.charset.StandardCharsets;
                import java.util.List;

                public final class Reloaded implements Handler {
                    private String generation;
                    private List<Class<?>> parts;

                    @Override
                    public void init(PluginContext context) throws Exception {
                        try (InputStream in = Reloaded.class.getResourceAsStream("/generation.txt")) {
                            generation = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                        }
                        parts = List.of(%s);
                    }

                    @Override
                    public Response handle(Request request) {
                        return Response.ok("generation " + generation + " of " + (1 + parts.size()) + " classes");
                    }

                %s
                }
                """.formatted(create, parts);
    }

    /** The test's usual settings with a short reload quiet period, so that a hundred reloads take seconds. */
    private static ServerSettings quickReloads() {
        return TestServer.settings("FLEXILIB_RELOAD_QUIET_MS", "20");
    }

    private static Optional<Thread> liveThread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst();
    }

    /** Waits for the thread to end; its reference goes with this frame, so it keeps nothing alive. */
    private static void awaitEnd(String name) throws InterruptedException {
        Optional<Thread> thread = liveThread(name);
        if (thread.isPresent()) {
            thread.get().join(TestServer.TIMEOUT);
            assertThat(thread.get().isAlive()).as("%s ended after being interrupted", name).isFalse();
        }
    }

    private static long usedMetaspace() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(pool -> pool.getName().equals("Metaspace"))
                .mapToLong(pool -> pool.getUsage().getUsed()).sum();
    }

    /** What the plugins' classes occupy, measured after a full collection. */
    private record Footprint(long liveLoaders, long unloadedClasses, long metaspaceUsed) {
        private static final int COLLECTIONS = 10;

        /**
         * Collects until at most {@code expected} class loaders named {@code loaderName}
         * are alive (or {@value COLLECTIONS} collections and {@link #COLLECTION_DEADLINE} did not get there), then measures.
         */
        static Footprint afterCollecting(String loaderName, long expected) {
            BooleanSupplier collected = () -> countLiveLoaders(loaderName) <= expected;
            // a loader goes once nothing reaches it: the generation's close on the reload thread and
            // the JDK's cleaner thread may still be at work, so collect until it is gone or the
            // deadline passes, letting those threads run in between
            long deadline = System.nanoTime() + COLLECTION_DEADLINE.toNanos();
            for (int i = 0; (i < COLLECTIONS || System.nanoTime() < deadline) && !collected.getAsBoolean(); i++) {
                System.gc();
                if (i >= COLLECTIONS) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                }
            }
            return new Footprint(countLiveLoaders(loaderName),
                    ManagementFactory.getClassLoadingMXBean().getUnloadedClassCount(), usedMetaspace());
        }

        /** How many loaders with this name hold classes, as {@code jcmd VM.classloaders fold=false} lists them. */
        static long countLiveLoaders(String loaderName) {
            try {
                String tree = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                        new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmClassloaders",
                        new Object[] {new String[] {"fold=false"}}, new String[] {String[].class.getName()});
                String quoted = "\"" + loaderName + "\",";
                return tree.lines().filter(line -> line.contains(quoted)).count();
            } catch (Exception e) {
                throw new IllegalStateException("cannot list the class loaders", e);
            }
        }

        @Override
        public String toString() {
            return liveLoaders + " live plugin loaders, " + unloadedClasses + " classes unloaded since start, "
                    + metaspaceUsed / 1024 + " KiB metaspace used";
        }
    }
}
