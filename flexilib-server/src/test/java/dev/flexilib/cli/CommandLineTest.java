package dev.flexilib.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.ServerProcess;
import dev.flexilib.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The flexilib command as a user runs it: start-up errors, check, SIGHUP and SIGTERM. */
class CommandLineTest {
    @TempDir
    Path dir;

    private static HttpResponse<String> get(int port, String target) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + target))
                    .timeout(TestServer.TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void aConfigWithErrorsStopsStartUpNamingTheLine() throws Exception {
        Files.writeString(dir.resolve("proxy.ini"), "/ok = x.so\nbroken line\n");

        try (ServerProcess process = ServerProcess.start(dir, Map.of("PORT", "0"))) {
            assertThat(process.awaitExit()).isEqualTo(1);
            assertThat(process.stderr()).contains("proxy.ini:2: expected 'KEY = VALUE'");
            assertThat(process.stderr().lines().filter(line -> line.contains("child.started")))
                    .as("a child that cannot start is not started again").hasSize(1);
        }
    }

    @Test
    void anInvalidEnvironmentVariableStopsStartUpNamingIt() throws Exception {
        Files.writeString(dir.resolve("proxy.ini"), "/ = x.so\n");

        try (ServerProcess process = ServerProcess.start(dir, Map.of("PORT", "0", "SERVER_THREAD_COUNT", "none"))) {
            assertThat(process.awaitExit()).isNotZero();
            assertThat(process.stderr()).contains("SERVER_THREAD_COUNT=none");
        }
    }

    @Test
    void checkPrintsTheRouteTableOrEveryErrorWithItsLine() throws Exception {
        Path good = Files.writeString(dir.resolve("good.ini"), "Host: iam / = a.so\n/c = c.so\n");
        Path bad = Files.writeString(dir.resolve("bad.ini"), "/c = c.so\n/c = d.so\noops\n");

        try (ServerProcess ok = ServerProcess.start(dir, Map.of(), "check", good.toString());
             ServerProcess failing = ServerProcess.start(dir, Map.of(), "check", bad.toString())) {
            assertThat(ok.awaitExit()).isZero();
            assertThat(failing.awaitExit()).isEqualTo(1);
            assertThat(failing.stderr()).contains("bad.ini:2: duplicate key '/c'", "bad.ini:3: expected 'KEY = VALUE'",
                    "2 errors");
        }
    }

    @Test
    void sighupAppliesAValidConfigAndKeepsServingThroughABrokenOne() throws Exception {
        Path ini = Files.writeString(dir.resolve("proxy.ini"), "/a = " + TestServer.example("echo") + "\n");

        try (ServerProcess process = ServerProcess.start(dir, Map.of("PORT", "0"))) {
            int port = process.awaitPort();
            assertThat(get(port, "/a").statusCode()).isEqualTo(200);
            assertThat(get(port, "/b").statusCode()).isEqualTo(404);

            Files.writeString(ini, "/b = " + TestServer.example("echo") + "\n");
            process.signal("HUP");
            process.awaitStderr(line -> line.contains("config.reloaded"));
            assertThat(get(port, "/b").statusCode()).isEqualTo(200);
            assertThat(get(port, "/a").statusCode()).isEqualTo(404);

            Files.writeString(ini, "/b = " + TestServer.example("echo") + "\nthis line is broken\n");
            process.signal("HUP");
            process.awaitStderr(line -> line.contains("config.rejected"));
            process.awaitStderr(line -> line.contains("proxy.ini:2:"));
            assertThat(get(port, "/b").statusCode()).as("the old table keeps serving").isEqualTo(200);

            process.signal("TERM");
            assertThat(process.awaitExit()).as("SIGTERM stops the server").isIn(0, 143);
        }
    }

    @Test
    void samServesATemplateWithTheSamClisOptions() throws Exception {
        Path template = TestServer.repo().resolve("examples/sam/template.yaml");
        Path envVars = Files.writeString(dir.resolve("env.json"), """
                {"ItemsFunction": {"TABLE_NAME": "from-env-vars"}, "Parameters": {"STAGE": "overridden"}}
                """);

        try (ServerProcess process = ServerProcess.start(dir, Map.of(), "sam", template.toString(), "--port", "0",
                "--parameter-overrides", "Stage=prod", "--env-vars", envVars.toString())) {
            int port = process.awaitPort();
            HttpResponse<String> item = get(port, "/items/1");
            assertThat(item.statusCode()).isEqualTo(200);
            assertThat(item.headers().firstValue("x-table")).hasValue("from-env-vars");
            assertThat(get(port, "/hello/you").body()).isEqualTo("Hello from a C custom runtime at /hello/you!");
            assertThat(process.stderr()).as("--warm-containers EAGER: both runtimes started before serving")
                    .contains("ItemsFunction: execution environment 1", "GreeterFunction: execution environment 1");

            process.signal("TERM");
            assertThat(process.awaitExit()).isIn(0, 143);
        }
    }

    @Test
    void samWithoutATemplateSaysWhereItLooked() throws Exception {
        try (ServerProcess process = ServerProcess.start(dir, Map.of(), "sam")) {
            assertThat(process.awaitExit()).isEqualTo(2);
            assertThat(process.stderr()).contains("no SAM template here: looked for template.yaml, template.yml");
        }
    }

    @Test
    void checkValidatesATemplateReportingWhatIsNotEmulated() throws Exception {
        Files.createDirectories(dir.resolve("fn"));
        Path good = Files.writeString(dir.resolve("template.yaml"), """
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  Table:
                    Type: AWS::DynamoDB::Table
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties: {CodeUri: fn, Runtime: provided.al2023, Handler: bootstrap}
                """);
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: fn
                      Runtime: provided.al2023
                      Timeout: 901
                """);

        try (ServerProcess ok = ServerProcess.start(dir, Map.of(), "check", good.toString());
             ServerProcess failing = ServerProcess.start(dir, Map.of(), "check", bad.toString())) {
            assertThat(ok.awaitExit()).isZero();
            assertThat(ok.stderr()).contains("template.yaml:3: AWS::DynamoDB::Table (Table) is not emulated");
            assertThat(failing.awaitExit()).isEqualTo(1);
            assertThat(failing.stderr()).contains("bad.yaml:7: Fn: Timeout");
        }
    }

    @Test
    void checkValidatesWasmSettingsAndModules() throws Exception {
        Files.copy(TestServer.wasm("hello"), dir.resolve("hello.wasm"));
        Files.writeString(dir.resolve("hello.properties"), "memory_limit = 2MiB\ntime_limit = 500ms\n");
        Files.writeString(dir.resolve("broken.wasm"), "\0asm but not really");
        Files.writeString(dir.resolve("typo.properties"), "memory_limit = 1MiB\ntime_limt = 2s\n");
        Path good = Files.writeString(dir.resolve("good.ini"), "/hello = hello.wasm\n");
        Path broken = Files.writeString(dir.resolve("broken.ini"), "/broken = broken.wasm\n");
        Path typo = Files.writeString(dir.resolve("typo.ini"), "/typo = typo.wasm\n");

        try (ServerProcess ok = ServerProcess.start(dir, Map.of(), "check", good.toString());
             ServerProcess invalid = ServerProcess.start(dir, Map.of(), "check", broken.toString());
             ServerProcess misspelt = ServerProcess.start(dir, Map.of(), "check", typo.toString())) {
            assertThat(ok.awaitExit()).isZero();
            assertThat(ok.stderr()).doesNotContain("hello.wasm:");
            assertThat(invalid.awaitExit()).isEqualTo(1);
            assertThat(invalid.stderr()).contains("broken.wasm: not a valid WebAssembly module");
            assertThat(misspelt.awaitExit()).isEqualTo(1);
            assertThat(misspelt.stderr()).contains("typo.properties:2: unknown setting 'time_limt'");
        }
    }
}
