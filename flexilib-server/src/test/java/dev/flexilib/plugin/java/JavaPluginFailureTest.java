package dev.flexilib.plugin.java;

import dev.flexilib.JarBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.Diagnostics.Report;
import dev.flexilib.TestServer;
import dev.flexilib.JarBuilder.Jar;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A handler that throws costs its request (500) or its load, never the server, and is logged for its author. */
class JavaPluginFailureTest {
    /** One handler whose behaviour each JAR sets in behavior.properties, so it compiles once. */
    private static Jar behaving;

    @TempDir
    Path dir;

    @BeforeAll
    static void build() {
        behaving = JarBuilder.plugin().source("behaving.Behaving", """
                package behaving;

                import dev.flexilib.api.*;
                import java.io.InputStream;
                import java.util.Properties;

                public final class Behaving implements Handler {
                    private final Properties behavior = new Properties();

                    @Override
                    public void init(PluginContext context) throws Exception {
                        try (InputStream in = Behaving.class.getResourceAsStream("/behavior.properties")) {
                            behavior.load(in);
                        }
                        if (behavior.getProperty("init", "").equals("throw")) {
                            throw new IllegalStateException("init refused: no database");
                        }
                    }

                    @Override
                    public Response handle(Request request) {
                        if (behavior.getProperty("handle", "").equals("throw")) {
                            explode();
                        }
                        String version = behavior.getProperty("version");
                        return Response.status(200).header("x-version", version).body(version).build();
                    }

                    private static void explode() {
                        throw new IllegalStateException("password=hunter2 is wrong");
                    }

                    @Override
                    public void close() {
                        if (behavior.getProperty("close", "").equals("throw")) {
                            throw new IllegalStateException("close refused");
                        }
                    }
                }
                """).service("behaving.Behaving").build();
    }

    private static Jar version(String version, String behavior) {
        return behaving.with("behavior.properties", "version=" + version + "\n" + behavior + "\n");
    }

    @Test
    void aHandlerThatThrowsAnswers500WithoutTheExceptionTextAndIsLoggedWithItsStackTrace() throws Exception {
        version("v1", "handle=throw").writeInPlace(dir.resolve("failing.jar"));
        try (TestServer server = TestServer.withConfig(dir, "/failing = failing.jar\n")) {
            HttpResponse<String> response = server.get("/failing/x");

            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(response.body()).isEqualTo("Internal Server Error\n").doesNotContain("hunter2");
            Report report = server.awaitEvent(Event.REQUEST_FAILED,
                    m -> m.contains("failing") && m.contains("threw while handling GET /failing/x"));
            assertThat(report.cause()).get().satisfies(cause -> {
                assertThat(cause).isInstanceOf(IllegalStateException.class).hasMessage("password=hunter2 is wrong");
                assertThat(Arrays.stream(cause.getStackTrace()).map(e -> e.getClassName() + "." + e.getMethodName()))
                        .startsWith("behaving.Behaving.explode", "behaving.Behaving.handle");
            });

            assertThat(server.get("/failing/y").statusCode()).as("the plugin stays loaded").isEqualTo(500);
            assertThat(server.countEvents(Event.PLUGIN_LOADED, m -> m.contains("failing.jar"))).isEqualTo(1);
        }
    }

    @Test
    void aHandlerWhoseInitThrowsIsNotLoadedAnd500sUntilItIsFixed() throws Exception {
        Path jar = version("v1", "init=throw").writeInPlace(dir.resolve("initless.jar"));
        try (TestServer server = TestServer.withConfig(dir, "/initless = initless.jar\n")) {
            HttpResponse<String> response = server.get("/initless");

            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(response.body()).isEqualTo("Internal Server Error\n");
            server.awaitEvent(Event.PLUGIN_LOAD_FAILED, m -> m.contains("initless.jar")
                    && m.contains("init failed") && m.contains("init refused: no database"));

            version("v2", "").moveIntoPlace(jar);
            HttpResponse<String> fixed = server.get("/initless");
            assertThat(fixed.statusCode()).isEqualTo(200);
            assertThat(fixed.body()).isEqualTo("v2");
        }
    }

    @Test
    void aNewVersionWhoseInitThrowsLeavesTheOldGenerationServing() throws Exception {
        Path jar = version("v1", "").writeInPlace(dir.resolve("plugin.jar"));
        try (TestServer server = TestServer.withConfig(dir, "/p = plugin.jar\n")) {
            assertThat(server.get("/p").body()).isEqualTo("v1");

            version("v2", "init=throw").moveIntoPlace(jar);
            server.awaitEvent(Event.PLUGIN_LOAD_FAILED,
                    m -> m.contains("init refused: no database") && m.contains("generation 1 keeps serving"));
            HttpResponse<String> during = server.get("/p");
            assertThat(during.statusCode()).isEqualTo(200);
            assertThat(during.body()).isEqualTo("v1");

            version("v3", "").moveIntoPlace(jar);
            server.awaitEvent(Event.GENERATION_SWAPPED, m -> m.contains("generation 2 serves"));
            assertThat(server.get("/p").body()).isEqualTo("v3");
        }
    }

    @Test
    void aCloseThatThrowsIsLoggedAndTheReloadCompletes() throws Exception {
        Path jar = version("v1", "close=throw").writeInPlace(dir.resolve("plugin.jar"));
        try (TestServer server = TestServer.withConfig(dir, "/p = plugin.jar\n")) {
            assertThat(server.get("/p").body()).isEqualTo("v1");

            version("v2", "").moveIntoPlace(jar);
            server.awaitEvent(Event.GENERATION_SWAPPED, m -> m.contains("generation 2 serves"));
            Report closeFailed = server.awaitEvent(Event.GENERATION_UNLOADED, m -> m.contains("close() threw"));
            assertThat(closeFailed.message()).startsWith("plugin:");
            assertThat(closeFailed.cause()).get().satisfies(
                    cause -> assertThat(cause).hasMessage("close refused"));
            server.awaitEvent(Event.GENERATION_UNLOADED, m -> m.startsWith("generation 1 "));

            HttpResponse<String> response = server.get("/p");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("v2");
        }
    }
}
