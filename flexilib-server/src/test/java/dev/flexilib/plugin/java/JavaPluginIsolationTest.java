package dev.flexilib.plugin.java;

import dev.flexilib.JarBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.TestServer;
import dev.flexilib.JarBuilder.Jar;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plugin sees the JDK and the plugin API, not the server; each plugin has its own libraries. */
class JavaPluginIsolationTest {
    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        JarBuilder.plugin().source("probe.Probe", """
                package probe;

                import dev.flexilib.api.*;

                /** Answers, for each class named in the query, whether this plugin can reach it. */
                public final class Probe implements Handler {
                    @Override
                    public Response handle(Request request) {
                        StringBuilder out = new StringBuilder();
                        for (String name : request.query().orElseThrow().split(",")) {
                            out.append(name)
                                    .append(" forName=").append(forName(name))
                                    .append(" context=").append(context(name))
                                    .append(" resource=").append(resource(name)).append('\\n');
                        }
                        return Response.ok(out.toString());
                    }

                    private static String forName(String name) {
                        try {
                            Class.forName(name);
                            return "visible";
                        } catch (ClassNotFoundException e) {
                            return "ClassNotFoundException";
                        }
                    }

                    private static String context(String name) {
                        try {
                            Thread.currentThread().getContextClassLoader().loadClass(name);
                            return "visible";
                        } catch (ClassNotFoundException e) {
                            return "ClassNotFoundException";
                        }
                    }

                    private static String resource(String name) {
                        String file = name.replace('.', '/') + ".class";
                        return Probe.class.getClassLoader().getResource(file) == null ? "none" : "found";
                    }
                }
                """).service("probe.Probe").build().writeInPlace(dir.resolve("probe.jar"));

        // one handler, compiled once against the library's API and bundled with two of its versions
        Jar library1 = library("1.0");
        Jar library2 = library("2.0");
        Path compiledAgainst = library1.writeInPlace(dir.resolve("lib-1.0.jar"));
        Jar handler = JarBuilder.plugin().classpath(compiledAgainst).source("plugin.Hello", """
                package plugin;

                import dev.flexilib.api.*;

                public final class Hello implements Handler {
                    @Override
                    public Response handle(Request request) {
                        return Response.ok("lib " + lib.Version.get() + " from "
                                + lib.Version.class.getClassLoader().getName());
                    }
                }
                """).service("plugin.Hello").build();
        handler.bundling(library1).writeInPlace(dir.resolve("alpha.jar"));
        handler.bundling(library2).writeInPlace(dir.resolve("beta.jar"));

        server = TestServer.withConfig(dir, """
                /probe = probe.jar
                /alpha = alpha.jar
                /beta = beta.jar
                """);
    }

    /** A library class whose version is not a constant, so that the handler cannot inline it. */
    private static Jar library(String version) {
        return JarBuilder.plugin().source("lib.Version", """
                package lib;

                public final class Version {
                    public static String get() {
                        return "%s";
                    }
                }
                """.formatted(version)).build();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theServerAndItsDependenciesAreNotVisibleToAPlugin() throws Exception {
        String body = server.get("/probe?dev.flexilib.Server,io.netty.channel.Channel,picocli.CommandLine,"
                + "dev.flexilib.plugin.java.JavaHost").body();

        assertThat(body).isEqualTo("""
                dev.flexilib.Server forName=ClassNotFoundException context=ClassNotFoundException resource=none
                io.netty.channel.Channel forName=ClassNotFoundException context=ClassNotFoundException resource=none
                picocli.CommandLine forName=ClassNotFoundException context=ClassNotFoundException resource=none
                dev.flexilib.plugin.java.JavaHost forName=ClassNotFoundException context=ClassNotFoundException resource=none
                """);
    }

    @Test
    void theJdkModulesAndThePluginApiAreVisible() throws Exception {
        String body = server.get("/probe?java.sql.Connection,java.net.http.HttpClient,java.util.logging.Logger,"
                + "dev.flexilib.api.Handler").body();

        assertThat(body.lines()).containsExactly(
                "java.sql.Connection forName=visible context=visible resource=found",
                "java.net.http.HttpClient forName=visible context=visible resource=found",
                "java.util.logging.Logger forName=visible context=visible resource=found",
                "dev.flexilib.api.Handler forName=visible context=visible resource=found");
    }

    @Test
    void twoPluginsBundlingDifferentVersionsOfALibraryEachUseTheirOwn() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(server.get("/alpha").body()).isEqualTo("lib 1.0 from plugin-alpha");
            assertThat(server.get("/beta").body()).isEqualTo("lib 2.0 from plugin-beta");
        }
    }
}
