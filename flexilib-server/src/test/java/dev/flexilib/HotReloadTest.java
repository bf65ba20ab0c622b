package dev.flexilib;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Rebuilding a plugin under load loses nothing, however the file is replaced. */
class HotReloadTest {
    private static final int CLIENTS = 8;
    private static final int REBUILDS = 5;

    @TempDir
    Path dir;

    /** The four ways a plugin file gets replaced in practice. */
    enum Replacement {
        /** Truncate and rewrite the same file (same inode). */
        REWRITE_IN_PLACE {
            @Override
            void replace(Path built, Path target, String version) throws IOException {
                Files.write(target, Files.readAllBytes(built), StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
            }
        },
        /** {@code cp new.so plugin.so}. */
        COPY_OVER {
            @Override
            void replace(Path built, Path target, String version) throws IOException, InterruptedException {
                Process cp = new ProcessBuilder("cp", built.toString(), target.toString()).inheritIO().start();
                assertThat(cp.waitFor()).isZero();
            }
        },
        /** Write aside, then {@code mv} into place (a new inode appears atomically). */
        RENAME_INTO_PLACE {
            @Override
            void replace(Path built, Path target, String version) throws IOException {
                Path aside = Files.copy(built, target.resolveSibling(target.getFileName() + ".tmp"),
                        StandardCopyOption.REPLACE_EXISTING);
                Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        },
        /** The compiler writes the output file itself. */
        GCC_OUTPUT {
            @Override
            void replace(Path built, Path target, String version) throws IOException, InterruptedException {
                Gcc.compile("versioned", target, "VERSION=\"" + version + "\"");
            }
        };

        abstract void replace(Path built, Path target, String version) throws IOException, InterruptedException;
    }

    @ParameterizedTest
    @EnumSource(Replacement.class)
    void rebuildingUnderLoadFailsNoRequestAndNeverMixesGenerations(Replacement replacement) throws Exception {
        Path plugin = Gcc.compile("versioned", dir.resolve("libversioned.so"), "VERSION=\"v0\"");
        List<Path> builds = new ArrayList<>();
        for (int i = 1; i <= REBUILDS; i++) {
            builds.add(Gcc.compile("versioned", dir.resolve("build-v" + i + ".so"), "VERSION=\"v" + i + "\""));
        }
        try (TestServer server = TestServer.withConfig(dir, "/v = libversioned.so\n");
             VersionedLoad load = new VersionedLoad(server, "/v", CLIENTS, 1)) {
            load.awaitResponses("v0");
            for (int i = 1; i <= REBUILDS; i++) {
                replacement.replace(builds.get(i - 1), plugin, "v" + i);
                load.awaitResponses("v" + i);
            }
            load.stop();

            assertThat(load.failures).as("failed requests: %s", load.failureSamples).hasValue(0);
            assertThat(load.torn).as("responses mixing two generations").hasValue(0);
            assertThat(load.regressions).as("a client saw an older generation after a newer one").hasValue(0);
            assertThat(load.firstSeen).containsKeys("v0", "v1", "v2", "v3", "v4", "v5");
            assertThat(load.total.get()).isGreaterThan(CLIENTS * 10);
            for (int generation = 1; generation <= REBUILDS; generation++) {
                String unloaded = "generation " + generation + " ";
                server.awaitEvent(Event.GENERATION_UNLOADED, m -> m.startsWith(unloaded));
            }
        }
    }

    @Test
    void aBuildThatFailsToLoadLeavesTheOldGenerationServing() throws Exception {
        Path plugin = Gcc.compile("versioned", dir.resolve("libversioned.so"), "VERSION=\"good\"");
        try (TestServer server = TestServer.withConfig(dir, "/v = libversioned.so\n")) {
            assertThat(server.get("/v").headers().firstValue("x-version")).hasValue("good");

            Files.writeString(plugin, "this is not an ELF file");
            server.awaitEvent(Event.PLUGIN_LOAD_FAILED, m -> m.contains("keeps serving"));

            HttpResponse<String> during = server.get("/v");
            assertThat(during.statusCode()).isEqualTo(200);
            assertThat(during.headers().firstValue("x-version")).hasValue("good");

            Gcc.compile("versioned", plugin, "VERSION=\"fixed\"");
            server.awaitEvent(Event.GENERATION_SWAPPED, m -> m.contains("generation 2 serves"));
            assertThat(server.get("/v").headers().firstValue("x-version")).hasValue("fixed");
        }
    }

    @Test
    void aPluginMissingAtStartAnswers500UntilItsFileAppears() throws Exception {
        try (TestServer server = TestServer.withConfig(dir, "/late = plugins/liblate.so\n")) {
            server.awaitEvent(Event.CONFIG_WARNING, m -> m.contains("does not exist yet"));
            assertThat(server.get("/late").statusCode()).isEqualTo(500);

            Files.createDirectories(dir.resolve("plugins"));
            Path built = Gcc.compile("versioned", dir.resolve("built.so"), "VERSION=\"late\"");
            Files.move(built, dir.resolve("plugins/liblate.so"), StandardCopyOption.ATOMIC_MOVE);

            HttpResponse<String> response = server.get("/late");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("x-version")).hasValue("late");
        }
    }

    @Test
    void removingThePluginFileKeepsTheLoadedGenerationServing() throws Exception {
        Path plugin = Gcc.compile("versioned", dir.resolve("libversioned.so"), "VERSION=\"kept\"");
        try (TestServer server = TestServer.withConfig(dir, "/v = libversioned.so\n")) {
            assertThat(server.get("/v").statusCode()).isEqualTo(200);

            Files.delete(plugin);
            server.awaitEvent(Event.RELOAD_SKIPPED, m -> m.contains("was removed"));

            assertThat(server.get("/v").headers().firstValue("x-version")).hasValue("kept");
        }
    }
}
