package dev.flexilib.plugin.java;

import dev.flexilib.JarBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.TestServer;
import dev.flexilib.VersionedLoad;
import dev.flexilib.JarBuilder.Jar;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Rebuilding a plugin JAR under load loses no request, however the file is replaced. */
class JavaHotReloadTest {
    private static final int CLIENTS = 8;
    private static final int REBUILDS = 5;
    /** Responses each generation must give before the next rebuild, so that every swap happens under load. */
    private static final int RESPONSES_PER_GENERATION = 200;

    /** v0 .. v5, each compiled once: the version is a constant of the handler class. */
    private static final List<Jar> versions = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void compileVersions() {
        for (int i = 0; i <= REBUILDS; i++) {
            versions.add(JarBuilder.plugin().source("versioned.Versioned", """
                    package versioned;

                    import dev.flexilib.api.*;

                    public final class Versioned implements Handler {
                        static final String VERSION = "v%d";

                        @Override
                        public Response handle(Request request) {
                            return Response.status(200).header("x-version", VERSION).body(VERSION.repeat(64)).build();
                        }
                    }
                    """.formatted(i)).service("versioned.Versioned").build());
        }
    }

    /** How a rebuilt JAR replaces the old one. */
    enum Replacement {
        /** Write aside, then rename into place: a new inode appears atomically. */
        RENAME_INTO_PLACE {
            @Override
            void replace(Jar jar, Path target) throws IOException {
                jar.moveIntoPlace(target);
            }
        },
        /** {@code cp new.jar plugin.jar}: the same inode is truncated and rewritten. */
        COPY_OVER {
            @Override
            void replace(Jar jar, Path target) throws IOException, InterruptedException {
                Path built = jar.writeInPlace(target.resolveSibling("build.jar.out"));
                Process cp = new ProcessBuilder("cp", built.toString(), target.toString()).inheritIO().start();
                assertThat(cp.waitFor()).isZero();
            }
        },
        /** A build tool writing the JAR itself, in place. */
        REWRITE_IN_PLACE {
            @Override
            void replace(Jar jar, Path target) throws IOException {
                jar.writeInPlace(target);
            }
        };

        abstract void replace(Jar jar, Path target) throws IOException, InterruptedException;
    }

    @ParameterizedTest
    @EnumSource(Replacement.class)
    void rebuildingUnderLoadFailsNoRequestAndNeverMixesGenerations(Replacement replacement) throws Exception {
        Path plugin = versions.getFirst().writeInPlace(dir.resolve("versioned.jar"));
        try (TestServer server = TestServer.withConfig(dir, "/v = versioned.jar\n");
             VersionedLoad load = new VersionedLoad(server, "/v", CLIENTS, RESPONSES_PER_GENERATION)) {
            load.awaitResponses("v0");
            List<Long> latencies = new ArrayList<>();
            for (int i = 1; i <= REBUILDS; i++) {
                long replaced = System.nanoTime();
                replacement.replace(versions.get(i), plugin);
                load.awaitResponses("v" + i);
                latencies.add(TimeUnit.NANOSECONDS.toMillis(load.firstSeen.get("v" + i) - replaced));
            }
            load.stop();
            System.out.printf("%s: %d requests; from file replacement to the first response of the new version: "
                    + "%s ms (the reload quiet period is 200 ms)%n", replacement, load.total.get(), latencies);

            assertThat(load.failures).as("failed requests: %s", load.failureSamples).hasValue(0);
            assertThat(load.torn).as("responses mixing two generations").hasValue(0);
            assertThat(load.regressions).as("a client saw an older generation after a newer one").hasValue(0);
            assertThat(load.firstSeen).containsOnlyKeys("v0", "v1", "v2", "v3", "v4", "v5");
            assertThat(server.countEvents(Event.PLUGIN_LOAD_FAILED, m -> true)).isZero();
            for (int generation = 1; generation <= REBUILDS; generation++) {
                String unloaded = "generation " + generation + " ";
                server.awaitEvent(Event.GENERATION_UNLOADED, m -> m.startsWith(unloaded));
            }
        }
    }
}
