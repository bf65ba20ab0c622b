package dev.flexilib.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyIniTest {
    @TempDir
    Path dir;

    private RouteConfig parse(String text) {
        return ProxyIni.parse(dir.resolve("proxy.ini"), text.lines().toList());
    }

    private List<ConfigError> errors(String text) {
        try {
            parse(text);
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected errors in:\n" + text);
    }

    @Test
    void flexilibsOwnExampleLoadsVerbatim() throws IOException {
        Path copy = dir.resolve("proxy.ini");
        try (var example = getClass().getResourceAsStream("/flexilib-example-proxy.ini")) {
            Files.copy(example, copy);
        }

        RouteConfig config = ProxyIni.read(copy);

        assertThat(config.routes()).extracting(RouteSpec::line, r -> r.key().toString(), r -> dir.relativize(((PluginSpec) r.backend()).path()).toString())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(9, "Host: iam /", "zig-out/lib/libflexilib-sample-lib.so"),
                        org.assertj.core.groups.Tuple.tuple(10, "/c", "zig-out/lib/libflexilib-in-c.so"),
                        org.assertj.core.groups.Tuple.tuple(11, "/universal", "zig-out/lib/libuniversal-lambda-example.so"),
                        org.assertj.core.groups.Tuple.tuple(12, "/", "zig-out/lib/libflexilib-sample-lib.so"));
        assertThat(config.routes().getFirst().key())
                .isEqualTo(new RouteKey.HeaderPrefix("Host", "iam", "/"));
        assertThat(config.warnings()).as("missing plugin files are warnings, not errors").hasSize(4)
                .allSatisfy(w -> assertThat(w.message()).contains("does not exist yet"));
    }

    @Test
    void commentsBlankLinesAndWhitespaceAreIgnored() {
        RouteConfig config = parse("""
                # a comment
                \t/a\t=   lib/a.so   # trailing comment

                   /b=lib/b.so#no space before the comment
                """);

        assertThat(config.routes()).extracting(r -> r.key().toString(), r -> ((PluginSpec) r.backend()).path())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("/a", dir.resolve("lib/a.so")),
                        org.assertj.core.groups.Tuple.tuple("/b", dir.resolve("lib/b.so")));
    }

    @Test
    void aJarRouteMayNameItsHandlerClassAfterAHashAndStillHaveAComment() {
        RouteConfig config = parse("/x = plugins/multi.jar#com.example.Picked # the second handler\n/y = lib.so#comment\n");

        assertThat(config.routes()).extracting(RouteSpec::backend).containsExactly(
                new PluginSpec(PluginSpec.Kind.JAVA, dir.resolve("plugins/multi.jar"), java.util.Optional.of("com.example.Picked")),
                new PluginSpec(PluginSpec.Kind.NATIVE, dir.resolve("lib.so")));
    }

    @Test
    void anHttpValueIsAProxyRouteWithOneOrMoreUpstreams() {
        RouteConfig config = parse("/api = http://127.0.0.1:9000/v1/, https://api.example.com\n/one = http://[::1]:81\n");

        assertThat(config.routes()).extracting(RouteSpec::backend).containsExactly(
                new ProxySpec(java.util.List.of(new ProxySpec.Upstream(false, "127.0.0.1", 9000, "/v1"),
                        new ProxySpec.Upstream(true, "api.example.com", 443, ""))),
                new ProxySpec(java.util.List.of(new ProxySpec.Upstream(false, "::1", 81, ""))));
        assertThat(errors("/x = http://host:80/?q=1")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("may not have a query"));
        assertThat(errors("/x = http://")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("not an upstream URL"));
    }

    @Test
    void routesKeepFileOrderAndAbsolutePathsStayAbsolute() {
        RouteConfig config = parse("""
                / = /opt/plugins/root.so
                /specific = specific.so
                """);

        assertThat(config.routes()).extracting(r -> ((PluginSpec) r.backend()).path().toString())
                .containsExactly("/opt/plugins/root.so", dir.resolve("specific.so").toString());
    }

    @Test
    void everyErrorIsReportedWithItsLine() {
        List<ConfigError> errors = errors("""
                /ok = ok.so
                no equals sign here
                /dup = a.so
                /dup = b.so
                Host iam / = x.so
                /empty =
                = nokey.so
                """);

        assertThat(errors).extracting(ConfigError::line).containsExactly(2, 4, 5, 6, 7);
        assertThat(errors.get(0).toString()).startsWith(dir.resolve("proxy.ini") + ":2: expected 'KEY = VALUE'");
        assertThat(errors.get(1).message()).contains("duplicate key '/dup'", "line 3");
        assertThat(errors.get(2).message()).contains("Header-Name: valueprefix /pathprefix");
        assertThat(errors.get(3).message()).contains("no plugin");
        assertThat(errors.get(4).message()).contains("no key");
    }

    @Test
    void headerKeysCompareNamesCaseInsensitivelyForDuplicates() {
        List<ConfigError> errors = errors("""
                Host: iam / = a.so
                host: iam / = b.so
                """);

        assertThat(errors).singleElement().satisfies(e -> assertThat(e.line()).isEqualTo(2));
    }

    @Test
    void aDirectoryCannotBeAPlugin() throws IOException {
        Files.createDirectory(dir.resolve("plugins"));

        assertThat(errors("/x = plugins")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("is a directory"));
    }

    @Test
    void anUnreadableFileIsAnErrorNamingIt() {
        Path missing = dir.resolve("absent.ini");

        assertThatThrownBy(() -> ProxyIni.read(missing)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("cannot read");
    }
}
