package dev.flexilib.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerSettingsTest {

    @Test
    void defaultsAreFlexilibs() {
        ServerSettings settings = ServerSettings.fromEnvironment(Map.of());

        assertThat(settings.port()).isEqualTo(8069);
        assertThat(settings.listenAddress().getHostAddress()).isEqualTo("0.0.0.0");
        assertThat(settings.workerThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(settings.preallocationBytes()).isEqualTo(8 * 1024);
    }

    @Test
    void environmentOverridesDefaults() {
        ServerSettings settings = ServerSettings.fromEnvironment(Map.of("PORT", "9000", "LISTEN_ADDRESS", "127.0.0.1",
                "SERVER_THREAD_COUNT", "3", "RESPONSE_PREALLOCATION_KB", "64", "FLEXILIB_MAX_BODY_SIZE", "1024"));

        assertThat(settings.port()).isEqualTo(9000);
        assertThat(settings.listenAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(settings.workerThreads()).isEqualTo(3);
        assertThat(settings.preallocationBytes()).isEqualTo(64 * 1024);
        assertThat(settings.maxBodyBytes()).isEqualTo(1024);
    }

    @ParameterizedTest
    @CsvSource({
            "PORT, eighty",
            "PORT, 70000",
            "PORT, -1",
            "LISTEN_ADDRESS, 999.1.1.1",
            "SERVER_THREAD_COUNT, 0",
            "SERVER_THREAD_COUNT, many",
            "RESPONSE_PREALLOCATION_KB, -8",
            "FLEXILIB_PROXY_HOST, nobody",
    })
    void anInvalidValueNamesTheVariable(String name, String value) {
        assertThatThrownBy(() -> ServerSettings.fromEnvironment(Map.of(name, value)))
                .isInstanceOf(ServerSettings.InvalidSetting.class)
                .hasMessageStartingWith(name + "=" + value);
    }
}
