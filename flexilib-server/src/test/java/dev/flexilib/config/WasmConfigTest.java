package dev.flexilib.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WasmConfigTest {
    @TempDir
    Path dir;

    @Test
    void withoutASettingsFileTheDefaultsHold() {
        WasmConfig config = WasmConfig.read(dir.resolve("m.wasm"));

        assertThat(config.memoryPages()).isEqualTo(128);
        assertThat(config.timeLimit()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.outputLimit()).isEqualTo(16L * 1024 * 1024);
        assertThat(config.volumes()).isEmpty();
        assertThat(config.concurrency()).isEmpty();
    }

    @Test
    void everySettingIsRead() throws Exception {
        Files.createDirectories(dir.resolve("files"));
        Files.createDirectories(dir.resolve("scratch"));
        Files.writeString(dir.resolve("m.properties"), """
                # a comment
                memory_limit = 100KiB
                time_limit = 250ms
                output_limit = 2M
                concurrency = 3
                volume./data = files
                volume./tmp/ = rw:scratch
                env.GREETING = hello = world
                """);

        WasmConfig config = WasmConfig.read(dir.resolve("m.wasm"));

        assertThat(config.memoryPages()).as("rounded up to whole pages").isEqualTo(2);
        assertThat(config.timeLimit()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.outputLimit()).isEqualTo(2L * 1024 * 1024);
        assertThat(config.concurrency()).hasValue(3);
        assertThat(config.volumes()).containsExactly(new WasmConfig.Volume("/data", dir.resolve("files"), false),
                new WasmConfig.Volume("/tmp", dir.resolve("scratch"), true));
        assertThat(config.environment()).isEqualTo(Map.of("GREETING", "hello = world"));
    }

    @Test
    void errorsNameTheFileAndLine() throws Exception {
        Path settings = Files.writeString(dir.resolve("m.properties"), """
                memory_limit = lots
                time_limit = 0s
                volume.data = files
                volume./missing = nowhere
                env.2BAD = x
                concurrency = 0
                timelimit = 1s
                no separator
                """);

        assertThatThrownBy(() -> WasmConfig.read(dir.resolve("m.wasm")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                        .extracting(ConfigError::line).containsExactly(1, 2, 3, 4, 5, 6, 7, 8))
                .hasMessageContaining(settings + ":1: memory_limit must be a size")
                .hasMessageContaining(":4: volume /missing: " + dir.resolve("nowhere") + " is not a directory")
                .hasMessageContaining(":7: unknown setting 'timelimit'");
    }

    @Test
    void proxyIniReportsTheSettingsErrorsOfAWasmRoute() throws Exception {
        Files.writeString(dir.resolve("m.properties"), "time_limit = forever\n");
        Path ini = Files.writeString(dir.resolve("proxy.ini"), "/m = m.wasm\n");

        assertThatThrownBy(() -> ProxyIni.read(ini, SamTemplate.Overrides.NONE))
                .hasMessageContaining("m.properties:1: time_limit must be a duration");
    }
}
