package dev.flexilib.plugin.java;

import dev.flexilib.JarBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the server finds the handler in a JAR: ServiceLoader, or the class named after '#'. */
class JavaPluginLoadingTest {
    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        JarBuilder.plugin()
                .source("hello.Hello", """
                        package hello;

                        import dev.flexilib.api.*;

                        public final class Hello implements Handler {
                            private String name;

                            @Override
                            public void init(PluginContext context) {
                                name = context.name();
                            }

                            @Override
                            public Response handle(Request request) {
                                return Response.ok("hello from " + name);
                            }
                        }
                        """)
                .service("hello.Hello")
                .build().writeInPlace(dir.resolve("hello.jar"));
        JarBuilder.plugin()
                .source("com.example.Picked", answering("com.example", "Picked", "picked"))
                .source("com.example.Other", answering("com.example", "Other", "other"))
                .source("com.example.NotAHandler", "package com.example; public final class NotAHandler {}")
                .service("com.example.Picked", "com.example.Other")
                .build().writeInPlace(dir.resolve("multi.jar"));
        JarBuilder.plugin()
                .source("none.Unlisted", answering("none", "Unlisted", "unlisted"))
                .build().writeInPlace(dir.resolve("none.jar"));
        server = TestServer.withConfig(dir, """
                /hello = hello.jar
                /picked = multi.jar#com.example.Picked
                /other = multi.jar#com.example.Other
                /not-a-handler = multi.jar#com.example.NotAHandler
                /ambiguous = multi.jar
                /none = none.jar
                """);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String answering(String pkg, String simpleName, String text) {
        return """
                package %s;

                import dev.flexilib.api.*;

                public final class %s implements Handler {
                    @Override
                    public Response handle(Request request) {
                        return Response.ok("%s");
                    }
                }
                """.formatted(pkg, simpleName, text);
    }

    @Test
    void theHandlerListedForServiceLoaderAnswers() throws Exception {
        HttpResponse<String> response = server.get("/hello");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello from hello");
        assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
        server.awaitEvent(Event.PLUGIN_LOADED, m -> m.contains("hello.jar: generation 1 loaded"));
    }

    @Test
    void theClassAfterTheHashPicksOneOfTheJarsHandlers() throws Exception {
        assertThat(server.get("/picked").body()).isEqualTo("picked");
        assertThat(server.get("/other").body()).isEqualTo("other");
    }

    @Test
    void aJarListingTwoHandlersWithoutAHashFailsToLoadNamingBoth() throws Exception {
        HttpResponse<String> response = server.get("/ambiguous");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("Internal Server Error\n");
        server.awaitEvent(Event.PLUGIN_LOAD_FAILED, m -> m.contains("multi.jar:")
                && m.contains("com.example.Picked") && m.contains("com.example.Other") && m.contains("#ClassName"));
    }

    @Test
    void aJarListingNoHandlerFailsToLoad() throws Exception {
        HttpResponse<String> response = server.get("/none");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("Internal Server Error\n");
        server.awaitEvent(Event.PLUGIN_LOAD_FAILED, m -> m.contains("none.jar")
                && m.contains("lists no handler in META-INF/services/dev.flexilib.api.Handler"));
    }

    @Test
    void aClassAfterTheHashThatIsNoHandlerFailsToLoad() throws Exception {
        assertThat(server.get("/not-a-handler").statusCode()).isEqualTo(500);
        server.awaitEvent(Event.PLUGIN_LOAD_FAILED,
                m -> m.contains("com.example.NotAHandler does not implement dev.flexilib.api.Handler"));
    }

    @Test
    void aFailedLoadIsNotRetriedPerRequestWhileTheFileIsUnchanged() throws Exception {
        assertThat(server.get("/none").statusCode()).isEqualTo(500);
        server.awaitEvent(Event.PLUGIN_LOAD_FAILED, m -> m.contains("none.jar"));

        assertThat(server.get("/none").statusCode()).isEqualTo(500);
        assertThat(server.get("/none").statusCode()).isEqualTo(500);

        assertThat(server.countEvents(Event.PLUGIN_LOAD_FAILED, m -> m.contains("none.jar"))).isEqualTo(1);
    }
}
