package dev.flexilib.plugin.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.RawHttp;
import dev.flexilib.ServerProcess;
import dev.flexilib.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Execution environments belong to the serving process: they die with it, however it dies. */
class EnvironmentProcessTest {
    private static final Pattern READY = Pattern.compile("execution environment \\d+ \\(pid (\\d+)\\) is ready");

    @TempDir
    Path dir;

    @Test
    void environmentsDieWithAServingProcessKilledWithSigkill() throws Exception {
        // after one invocation the runtime only sleeps: no closed socket ends it, only its parent's death
        Bootstraps.write(dir.resolve("sleeper"), """
                next
                post "invocation/$ID/response" '{"statusCode":200,"body":"answered"}' > /dev/null
                exec sleep 600
                """);
        Bootstraps.settings(dir, "sleeper", "");
        Files.writeString(dir.resolve("proxy.ini"), "/c = lambda:sleeper.json\n");
        long environment;
        try (ServerProcess server = ServerProcess.start(dir, Map.of("PORT", "0"), "serve", "--no-supervisor")) {
            int port = server.awaitPort();
            assertThat(RawHttp.exchange(port, "GET /c/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 200");
            Matcher ready = READY.matcher(server.awaitStderr(line -> READY.matcher(line).find()));
            assertThat(ready.find()).isTrue();
            environment = Long.parseLong(ready.group(1));
            assertThat(ProcessHandle.of(environment)).as("the environment runs").isPresent();

            new ProcessBuilder("kill", "-KILL", Long.toString(server.pid())).start().waitFor();
            server.awaitExit();
        }
        Optional<ProcessHandle> orphan = ProcessHandle.of(environment);
        if (orphan.isPresent()) {
            orphan.get().onExit().get(TestServer.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        assertThat(ProcessHandle.of(environment).filter(ProcessHandle::isAlive)).as("no orphan").isEmpty();
    }
}
