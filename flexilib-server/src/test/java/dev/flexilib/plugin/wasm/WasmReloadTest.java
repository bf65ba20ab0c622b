package dev.flexilib.plugin.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Clang;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.TestServer;
import dev.flexilib.VersionedLoad;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rebuilt module is compiled aside and swapped in under load; one that fails validation leaves the old serving. */
class WasmReloadTest {
    private static final int CLIENTS = 8;
    private static final int REBUILDS = 4;

    @TempDir
    Path dir;

    @Test
    void rebuildingUnderLoadFailsNoRequestAndNeverMixesVersions() throws Exception {
        Path module = Clang.compile("versioned", dir.resolve("versioned.wasm"), "VERSION=\"v0\"");
        List<Path> builds = new ArrayList<>();
        for (int i = 1; i <= REBUILDS; i++) {
            builds.add(Clang.compile("versioned", dir.resolve("build-v" + i + ".wasm.tmp"), "VERSION=\"v" + i + "\""));
        }
        try (TestServer server = TestServer.withConfig(dir, "/v = versioned.wasm\n");
             VersionedLoad load = new VersionedLoad(server, "/v", CLIENTS, 20)) {
            load.awaitResponses("v0");
            for (int i = 1; i <= REBUILDS; i++) {
                // copied over the module while clients keep asking
                Files.copy(builds.get(i - 1), module, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                load.awaitResponses("v" + i);
            }
            load.stop();

            assertThat(load.failures).as("failed requests: %s", load.failureSamples).hasValue(0);
            assertThat(load.torn).as("responses mixing two versions").hasValue(0);
            assertThat(load.regressions).as("a client saw an older version after a newer one").hasValue(0);
            assertThat(load.firstSeen).containsKeys("v0", "v1", "v2", "v3", "v4");
            server.awaitEvents(Event.GENERATION_SWAPPED, m -> m.contains("versioned.wasm"), REBUILDS);
        }
    }

    @Test
    void aModuleThatFailsValidationLeavesTheOldOneServing() throws Exception {
        Path module = Clang.compile("versioned", dir.resolve("versioned.wasm"), "VERSION=\"good\"");
        try (TestServer server = TestServer.withConfig(dir, "/v = versioned.wasm\n")) {
            assertThat(server.get("/v").headers().firstValue("x-version")).hasValue("good");

            byte[] truncated = Files.readAllBytes(module);
            Files.write(module, java.util.Arrays.copyOf(truncated, truncated.length / 2));
            server.awaitEvent(Event.PLUGIN_LOAD_FAILED, m -> m.contains("not a valid WebAssembly module")
                    && m.contains("keeps serving"));
            HttpResponse<String> during = server.get("/v");

            assertThat(during.statusCode()).isEqualTo(200);
            assertThat(during.headers().firstValue("x-version")).hasValue("good");

            Files.writeString(dir.resolve("versioned.properties"), "memory_limit = lots\n");
            server.awaitEvent(Event.PLUGIN_LOAD_FAILED, m -> m.contains("versioned.properties:1")
                    && m.contains("memory_limit must be a size"));
            assertThat(server.get("/v").headers().firstValue("x-version")).hasValue("good");

            Files.delete(dir.resolve("versioned.properties"));
            Clang.compile("versioned", dir.resolve("next.wasm.tmp"), "VERSION=\"next\"");
            Files.move(dir.resolve("next.wasm.tmp"), module, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            server.awaitEvent(Event.GENERATION_SWAPPED, m -> m.contains("versioned.wasm"));
            assertThat(server.get("/v").headers().firstValue("x-version")).hasValue("next");
        }
    }
}
