package dev.flexilib.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a Worker's settings as wrangler reads them: wrangler.toml, wrangler.jsonc
 * with comments, a bare module; .dev.vars over vars; deployment settings dropped,
 * bindings that cannot run here reported; errors at their lines.
 */
class WorkerConfigTest {
    @TempDir
    Path dir;

    @BeforeEach
    void module() throws IOException {
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/index.js"), "export default { fetch() { return new Response('hi'); } };\n");
        Files.createDirectories(dir.resolve("public"));
    }

    private List<ConfigError> errors(String file, String text) throws IOException {
        Path path = Files.writeString(dir.resolve(file), text);
        try {
            WorkerConfig.read(path);
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected errors in:\n" + text);
    }

    @Test
    void wranglerTomlBecomesTheConfigWorkerdServes() throws IOException {
        Path toml = Files.writeString(dir.resolve("wrangler.toml"), """
                name = "my-worker"
                main = "src/index.js"
                compatibility_date = "2025-06-01"
                compatibility_flags = ["nodejs_compat"]
                account_id = "0123"
                workers_dev = true
                routes = [{ pattern = "example.com/*", zone_name = "example.com" }]

                [vars]
                GREETING = "Hello"
                LIMITS = { max = 3 }

                [[kv_namespaces]]
                binding = "NOTES"
                id = "abc"

                [triggers]
                crons = ["*/5 * * * *"]

                [assets]
                directory = "public"
                binding = "ASSETS"

                [observability]
                enabled = true
                """);
        Files.writeString(dir.resolve(".dev.vars"), """
                # secrets for local development
                API_KEY="s3cr3t"
                export TOKEN=abc # a comment
                GREETING='Hi there'
                """);

        WorkerConfig config = WorkerConfig.read(toml);

        assertThat(config.name()).isEqualTo("my-worker");
        assertThat(config.main()).isEqualTo(dir.resolve("src/index.js"));
        assertThat(config.directory()).isEqualTo(dir);
        assertThat(config.secrets()).contains(dir.resolve(".dev.vars"));
        assertThat(config.wrangler().toString()).isEqualTo("{\"name\":\"my-worker\",\"main\":\"" + dir.resolve("src/index.js")
                + "\",\"compatibility_date\":\"2025-06-01\",\"compatibility_flags\":[\"nodejs_compat\"],"
                + "\"vars\":{\"GREETING\":\"Hi there\",\"LIMITS\":{\"max\":3},\"API_KEY\":\"s3cr3t\",\"TOKEN\":\"abc\"},"
                + "\"kv_namespaces\":[{\"binding\":\"NOTES\",\"id\":\"abc\"}],\"triggers\":{\"crons\":[\"*/5 * * * *\"]},"
                + "\"assets\":{\"directory\":\"" + dir.resolve("public") + "\",\"binding\":\"ASSETS\"}}");
        assertThat(config.warnings()).as("deployment settings are dropped without a word").isEmpty();
    }

    @Test
    void wranglerJsoncWithCommentsAndTrailingCommas() throws IOException {
        Path jsonc = Files.writeString(dir.resolve("wrangler.jsonc"), """
                {
                  // the Worker
                  "name": "api",
                  "main": "src/index.js",
                  /* today's date */
                  "compatibility_date": "2025-06-01",
                  "r2_buckets": [{"binding": "FILES", "bucket_name": "files"}],
                  "env": {"staging": {"vars": {"STAGE": "staging"}}},
                  "surprise": 1,
                }
                """);

        WorkerConfig config = WorkerConfig.read(jsonc);

        assertThat(config.wrangler().has("r2_buckets")).isFalse();
        assertThat(config.warnings()).extracting(ConfigError::line, ConfigError::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple(7, "r2_buckets is not emulated by flexilib: the Worker runs without "
                        + "these bindings"),
                org.assertj.core.groups.Tuple.tuple(8, "[env.*] environments are not applied: the top-level settings "
                        + "run (as wrangler dev without --env)"),
                org.assertj.core.groups.Tuple.tuple(9, "unknown setting 'surprise'; ignored"));
    }

    @Test
    void aBareModuleRunsWithWranglersDefaults() throws IOException {
        Path module = Files.writeString(dir.resolve("hello.mjs"), "export default {};\n");

        WorkerConfig config = WorkerConfig.read(module);

        assertThat(config.name()).isEqualTo("hello");
        assertThat(config.main()).isEqualTo(module);
        assertThat(config.wrangler().get("compatibility_date").asText())
                .isEqualTo(WorkerConfig.DEFAULT_COMPATIBILITY_DATE);
        assertThat(WorkerConfig.isWorker("workers/hello.mjs")).isTrue();
        assertThat(WorkerConfig.isWorker("app/wrangler.toml")).isTrue();
        assertThat(WorkerConfig.isWorker("app/wrangler.json")).isTrue();
        assertThat(WorkerConfig.isWorker("lib/libhello.so")).isFalse();
        assertThat(WorkerConfig.isWorker("settings.json")).isFalse();
    }

    @Test
    void errorsNameTheirLines() throws IOException {
        assertThat(errors("wrangler.toml", """
                name = "x"
                main = "src/missing.js"
                compatibility_date = "June 2025"

                [[kv_namespaces]]
                id = "abc"
                [assets]
                directory = "nowhere"
                """)).extracting(ConfigError::line).containsExactly(2, 3, 5, 8);
        assertThat(errors("wrangler.toml", """
                name = "x"
                main = "src/index.js"
                compatibility_date = "2025-06-01
                """)).singleElement().satisfies(error -> {
                    assertThat(error.line()).isEqualTo(3);
                    assertThat(error.message()).startsWith("not valid TOML");
                });
        assertThat(errors("wrangler.jsonc", "{\"name\": \"x\"}\n")).singleElement().satisfies(error ->
                assertThat(error.message()).startsWith("no main"));
        Files.writeString(dir.resolve(".dev.vars"), "not a pair\n");
        assertThat(errors("wrangler.jsonc", "{\"main\": \"src/index.js\", \"compatibility_date\": \"2025-06-01\"}\n"))
                .singleElement().satisfies(error -> {
                    assertThat(error.file()).isEqualTo(dir.resolve(".dev.vars"));
                    assertThat(error.line()).isEqualTo(1);
                });
    }

    @Test
    void proxyIniRecognisesWorkersAndChecksThem() throws IOException {
        Files.writeString(dir.resolve("wrangler.toml"), "main = \"src/index.js\"\ncompatibility_date = \"2025-06-01\"\n");
        RouteConfig config = ProxyIni.parse(dir.resolve("proxy.ini"), List.of("/a = wrangler.toml", "/b = src/index.js",
                "/c = later.js"));

        assertThat(config.routes()).extracting(route -> ((PluginSpec) route.backend()).kind())
                .containsOnly(PluginSpec.Kind.WORKER);
        assertThat(config.warnings()).extracting(ConfigError::message)
                .anySatisfy(message -> assertThat(message).contains("later.js does not exist yet"));
        Files.writeString(dir.resolve("wrangler.toml"), "main = \"src/gone.js\"\n");
        assertThatThrownBy(() -> ProxyIni.parse(dir.resolve("proxy.ini"), List.of("/a = wrangler.toml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("wrangler.toml:1: main");
    }
}
