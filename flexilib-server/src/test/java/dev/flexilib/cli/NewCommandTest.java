package dev.flexilib.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.Diagnostics.Event;
import dev.flexilib.TestServer;
import dev.flexilib.api.Handler;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import picocli.CommandLine;

/**
 * {@code flexilib new}: each kind of project is created, built, and served as-is
 * by a real server; an edited and rebuilt Java plugin replaces the running one.
 *
 * <p>The Java project is built with javac and a JAR writer here rather than with
 * Maven: Maven would need {@code flexilib-plugin-api} in the local repository,
 * and CI runs {@code mvn verify}, which installs nothing, on a fresh clone that
 * reaches no repository holding it. What Maven would add is checked apart: the
 * generated pom names this build's API version and only plugin versions the
 * reactor itself pins, so a machine that built flexilib has all it needs.
 */
class NewCommandTest {
    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {}

    private static Run flexilib(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    private Run create(String kind, String name) {
        Run run = flexilib("new", kind, name, "--dir", dir.toString());
        assertThat(run.status()).as("flexilib new: %s", run.err()).isZero();
        return run;
    }

    /** The proxy.ini line the command tells the user to add. */
    private static String routeLine(Run run, String name) {
        return run.out().lines().map(String::strip).filter(line -> line.startsWith("/" + name + " = "))
                .findFirst().orElseThrow(() -> new AssertionError("no route line in:\n" + run.out()));
    }

    @Test
    void aCPluginBuildsWithMakeAndServesAsIs() throws Exception {
        Run run = create("c", "greet");
        Path project = dir.resolve("greet");

        assertThat(routeLine(run, "greet")).isEqualTo("/greet = " + project.resolve("build/libgreet.so"));
        assertThat(project.resolve("README.md")).content().contains(routeLine(run, "greet"), "make");
        assertThat(names(project)).containsExactlyInAnyOrder("greet.c", "flexilib.h", "Makefile", "README.md");
        assertNoPlaceholderLeft(project);

        exec(project, "make");
        assertThat(names(project.resolve("build"))).as("no temporary file left").containsExactly("libgreet.so");

        try (TestServer server = TestServer.withConfig(dir, "/greet = greet/build/libgreet.so\n")) {
            HttpResponse<String> response = server.get("/greet/x?y=1");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
            assertThat(response.body()).isEqualTo("Hello from greet! You asked for /greet/x?y=1\n");
        }
    }

    @Test
    void aWasmModuleBuildsWithMakeAndServesAsIs() throws Exception {
        Run run = create("wasm", "greet-wasm");
        Path project = dir.resolve("greet-wasm");

        assertThat(routeLine(run, "greet-wasm")).isEqualTo("/greet-wasm = " + project.resolve("greet-wasm.wasm"));
        assertThat(names(project)).containsExactlyInAnyOrder("greet-wasm.c", "greet-wasm.properties", "Makefile",
                "README.md");
        assertNoPlaceholderLeft(project);

        exec(project, "make");
        assertThat(names(project)).as("no temporary file left").containsExactlyInAnyOrder("greet-wasm.c",
                "greet-wasm.properties", "Makefile", "README.md", "greet-wasm.wasm");

        try (TestServer server = TestServer.withConfig(dir, "/greet-wasm = greet-wasm/greet-wasm.wasm\n")) {
            HttpResponse<String> response = server.get("/greet-wasm/x?y=1&z=2");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValue("text/plain");
            assertThat(response.body()).isEqualTo("Hello from greet-wasm: GET /x y=1 z=2\n");
        }
    }

    @Test
    void aJavaPluginServesAsIsAndAnEditedRebuildReplacesItWithoutARestart() throws Exception {
        Run run = create("java", "hello-java");
        Path project = dir.resolve("hello-java");
        Path source = project.resolve("src/main/java/plugins/hello_java/HelloJavaHandler.java");

        assertThat(routeLine(run, "hello-java")).isEqualTo("/hello-java = " + project.resolve("target/hello-java.jar"));
        assertThat(run.out()).as("the API is not on Maven Central: say how to install it")
                .contains("flexilib-plugin-api:" + NewCommand.API_VERSION, "mvn -q install -pl flexilib-plugin-api -am");
        assertThat(project.resolve("README.md")).content()
                .contains(routeLine(run, "hello-java"), "mvn -q install -pl flexilib-plugin-api -am", "mvn -q package");
        assertThat(source).exists();
        assertThat(project.resolve("src/main/resources/META-INF/services/dev.flexilib.api.Handler"))
                .hasContent("plugins.hello_java.HelloJavaHandler");
        assertNoPlaceholderLeft(project);
        buildJar(project, "hello-java");

        try (TestServer server = TestServer.withConfig(dir, "/hello-java = hello-java/target/hello-java.jar\n")) {
            assertThat(server.get("/hello-java/x?y=1").body())
                    .isEqualTo("Hello from hello-java! You asked for /hello-java/x?y=1\n");

            Files.writeString(source, Files.readString(source).replace("\"Hello from ", "\"Edited: "));
            buildJar(project, "hello-java");
            server.awaitEvent(Event.GENERATION_SWAPPED, message -> message.contains("generation 2 serves"));

            assertThat(server.get("/hello-java").body()).isEqualTo("Edited: hello-java! You asked for /hello-java\n");
        }
    }

    @Test
    void theJavaPomNeedsOnlyThisBuildsApiAndPluginVersionsTheReactorPins() throws Exception {
        create("java", "p");
        Document reactor = xml(TestServer.repo().resolve("pom.xml"));
        Document generated = xml(dir.resolve("p/pom.xml"));

        assertThat(text(generated, "/project/dependencies/dependency[artifactId='flexilib-plugin-api']/version"))
                .isEqualTo(text(reactor, "/project/version"));
        assertThat(text(generated, "/project/dependencies/dependency[artifactId='flexilib-plugin-api']/scope"))
                .isEqualTo("provided");
        assertThat(text(generated, "/project/build/finalName")).isEqualTo("p");
        Map<String, String> pinned = pluginVersions(generated);
        assertThat(pinned).containsKeys("maven-compiler-plugin", "maven-jar-plugin");
        assertThat(pluginVersions(reactor)).containsAllEntriesOf(pinned);
    }

    @Test
    void aJavaLambdaFunctionServesAsLambdaWouldRunIt() throws Exception {
        Run run = create("lambda-java", "greeter");
        Path project = dir.resolve("greeter");

        assertThat(routeLine(run, "greeter")).isEqualTo("/greeter = lambda:" + project.resolve("greeter.json"));
        assertThat(run.out()).contains("aws lambda invoke --endpoint-url http://localhost:8069 --function-name greeter");
        assertThat(names(project)).containsExactlyInAnyOrder("pom.xml", "src", "greeter.json", "README.md");
        assertNoPlaceholderLeft(project);
        Map<String, String> pinned = pluginVersions(xml(project.resolve("pom.xml")));
        assertThat(pinned).containsKeys("maven-compiler-plugin", "maven-shade-plugin");
        assertThat(pluginVersions(xml(TestServer.repo().resolve("pom.xml")))).containsAllEntriesOf(pinned);

        // as the pom's shade plugin packs it: the function's classes, and its libraries (lib/ in Lambda's layout)
        Path events = jarOf(com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent.class);
        Path classes = Files.createDirectories(project.resolve("target/classes"));
        compile(project.resolve("src/main/java"), classes, "21",
                jarOf(com.amazonaws.services.lambda.runtime.Context.class), events);
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(project.resolve("target/greeter.jar")))) {
            addTree(jar, classes);
            jar.putNextEntry(new JarEntry("lib/" + events.getFileName()));
            jar.write(Files.readAllBytes(events));
            jar.closeEntry();
        }

        try (TestServer server = TestServer.withConfig(dir, "/greeter = lambda:greeter/greeter.json\n")) {
            HttpResponse<String> response = server.get("/greeter/x");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("Hello from greeter at /greeter/x\n");
        }
    }

    @Test
    void aWorkerServesAsWranglerWouldServeIt() throws Exception {
        Run run = create("worker", "hello-worker");
        Path project = dir.resolve("hello-worker");

        assertThat(routeLine(run, "hello-worker")).isEqualTo("/hello-worker = " + project.resolve("wrangler.toml"));
        assertThat(names(project)).containsExactlyInAnyOrder("wrangler.toml", "src", ".gitignore", "README.md");
        assertNoPlaceholderLeft(project);

        try (TestServer server = TestServer.withConfig(dir, "/hello-worker = hello-worker/wrangler.toml\n")) {
            HttpResponse<String> response = server.get("/hello-worker/x");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
            assertThat(response.body()).isEqualTo("{\"message\":\"Hello from hello-worker\",\"method\":\"GET\","
                    + "\"path\":\"/hello-worker/x\",\"from\":\"127.0.0.1\"}");
        }
    }

    private static Path jarOf(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static void compile(Path sources, Path classes, String release, Path... classpath) throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter messages = new StringWriter();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, UTF_8)) {
            List<String> options = List.of("--release", release, "-d", classes.toString(), "--class-path",
                    java.util.Arrays.stream(classpath).map(Path::toString).collect(java.util.stream.Collectors
                            .joining(java.io.File.pathSeparator)));
            boolean compiled = javac.getTask(messages, files, null, options, null,
                    files.getJavaFileObjectsFromPaths(regularFiles(sources))).call();
            assertThat(compiled).as("javac: %s", messages).isTrue();
        }
    }

    @Test
    void theCHeaderIsTheExamplesHeader() throws Exception {
        try (InputStream scaffold = NewCommand.class.getResourceAsStream("/scaffold/c/flexilib.h")) {
            assertThat(scaffold).isNotNull();
            assertThat(scaffold.readAllBytes())
                    .isEqualTo(Files.readAllBytes(TestServer.repo().resolve("examples/native/flexilib.h")));
        }
    }

    @Test
    void refusesAnExistingDirectoryAnInvalidNameAndAnUnknownKind() throws Exception {
        Path taken = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(taken.resolve("mine.txt"), "mine");

        Run existing = flexilib("new", "c", "taken", "--dir", dir.toString());
        assertThat(existing.status()).isEqualTo(1);
        assertThat(existing.err()).contains(taken + " already exists");
        assertThat(names(taken)).containsExactly("mine.txt");

        for (String name : List.of("9lives", "a/b", "a.b", "a b", "é", "")) {
            Run invalid = flexilib("new", "java", name, "--dir", dir.toString());
            assertThat(invalid.status()).as(name).isEqualTo(2);
            assertThat(invalid.err()).as(name).contains("invalid NAME");
        }
        Run unknown = flexilib("new", "rust", "x", "--dir", dir.toString());
        assertThat(unknown.status()).isEqualTo(2);
        assertThat(unknown.err()).contains("expected 'java', 'c', 'lambda-java', 'worker' or 'wasm'");
        assertThat(names(dir)).containsExactly("taken");
    }

    @Test
    void namesBecomeValidJavaNames() {
        assertThat(NewCommand.className("my-plugin_2")).isEqualTo("MyPlugin2Handler");
        assertThat(NewCommand.className("handler")).isEqualTo("HandlerHandler");
        assertThat(NewCommand.packageSegment("My-Plugin")).isEqualTo("my_plugin");
        assertThat(NewCommand.packageSegment("new")).isEqualTo("new_");
    }

    /**
     * Builds the Java project as its pom.xml does: javac --release 25 against the
     * plugin API alone, then target/NAME.jar from the classes and resources.
     */
    private static void buildJar(Path project, String name) throws Exception {
        Path classes = Files.createDirectories(project.resolve("target/classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter messages = new StringWriter();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, UTF_8)) {
            List<String> options = List.of("--release", "25", "-Xlint:all", "-Werror", "-d", classes.toString(),
                    "--class-path", Path.of(Handler.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                            .toString());
            boolean compiled = javac.getTask(messages, files, null, options, null,
                    files.getJavaFileObjectsFromPaths(regularFiles(project.resolve("src/main/java")))).call();
            assertThat(compiled).as("javac: %s", messages).isTrue();
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (JarOutputStream jar = new JarOutputStream(
                Files.newOutputStream(project.resolve("target/" + name + ".jar")), manifest)) {
            addTree(jar, classes);
            addTree(jar, project.resolve("src/main/resources"));
        }
    }

    private static void addTree(JarOutputStream jar, Path root) throws IOException {
        for (Path file : regularFiles(root)) {
            jar.putNextEntry(new JarEntry(root.relativize(file).toString().replace('\\', '/')));
            Files.copy(file, jar);
            jar.closeEntry();
        }
    }

    private static List<Path> regularFiles(Path root) throws IOException {
        try (Stream<Path> tree = Files.walk(root)) {
            return tree.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static List<String> names(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(entry -> entry.getFileName().toString()).toList();
        }
    }

    private static void assertNoPlaceholderLeft(Path project) throws IOException {
        for (Path file : regularFiles(project)) {
            assertThat(Files.readString(file)).as(file.toString()).doesNotContain("{{");
        }
    }

    private static void exec(Path directory, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("%s finished", command[0]).isTrue();
        assertThat(process.exitValue()).as("%s: %s", String.join(" ", command), output).isZero();
    }

    private static Document xml(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    private static String text(Document document, String path) throws Exception {
        return XPathFactory.newInstance().newXPath().evaluate(path, document).strip();
    }

    /** artifactId → version of every plugin in the pom's pluginManagement. */
    private static Map<String, String> pluginVersions(Document pom) throws Exception {
        XPath xpath = XPathFactory.newInstance().newXPath();
        NodeList plugins = (NodeList) xpath.evaluate("/project/build/pluginManagement/plugins/plugin", pom,
                XPathConstants.NODESET);
        Map<String, String> versions = new HashMap<>();
        for (int i = 0; i < plugins.getLength(); i++) {
            versions.put(xpath.evaluate("artifactId", plugins.item(i)), xpath.evaluate("version", plugins.item(i)));
        }
        return versions;
    }
}
