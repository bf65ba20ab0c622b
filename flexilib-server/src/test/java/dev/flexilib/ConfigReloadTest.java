package dev.flexilib;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What SIGHUP does (Server.reloadConfig): validate, swap, keep unchanged plugins, drain removed ones. */
class ConfigReloadTest {
    @TempDir
    Path dir;

    @Test
    void aValidFileSwapsTheTableAndKeepsUnchangedPluginsLoaded() throws Exception {
        Path kept = Gcc.compile("versioned", dir.resolve("libkept.so"), "VERSION=\"kept\"");
        Path removed = Gcc.compile("versioned", dir.resolve("libremoved.so"), "VERSION=\"removed\"");
        try (TestServer server = TestServer.withConfig(dir, "/kept = libkept.so\n/removed = libremoved.so\n")) {
            assertThat(server.get("/kept").statusCode()).isEqualTo(200);
            assertThat(server.get("/removed").statusCode()).isEqualTo(200);

            TestServer.writeConfig(dir, "/renamed = libkept.so\n/kept = libkept.so\n");
            assertThat(server.server().reloadConfig()).isTrue();

            assertThat(server.get("/renamed").headers().firstValue("x-version")).hasValue("kept");
            assertThat(server.get("/removed").statusCode()).isEqualTo(404);
            server.awaitEvent(Event.GENERATION_UNLOADED, m -> m.contains("libremoved.so"));
            assertThat(server.countEvents(Event.PLUGIN_LOADED, m -> m.contains(kept.toString())))
                    .as("the unchanged plugin was not loaded again").isEqualTo(1);
            assertThat(removed).exists();
        }
    }

    @Test
    void aBrokenFileIsReportedWithItsLineAndTheOldTableKeepsServing() throws Exception {
        Gcc.compile("versioned", dir.resolve("libv.so"), "VERSION=\"v\"");
        try (TestServer server = TestServer.withConfig(dir, "/v = libv.so\n")) {
            Files.writeString(server.configFile(), "/v = libv.so\n/w\n");

            assertThat(server.server().reloadConfig()).isFalse();

            server.awaitEvent(Event.CONFIG_REJECTED, m -> m.contains("proxy.ini:2: expected 'KEY = VALUE'"));
            assertThat(server.get("/v").statusCode()).isEqualTo(200);
        }
    }
}
