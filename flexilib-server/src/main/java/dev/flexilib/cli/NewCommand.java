package dev.flexilib.cli;

import dev.flexilib.config.WorkerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import javax.lang.model.SourceVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * Creates DIR/NAME, a plugin project that builds with one command and serves as-is
 * once its line is in proxy.ini. Its files are the templates in {@code scaffold/KIND/}
 * on the class path, with each {@code {{placeholder}}} replaced.
 */
@Command(name = "new", mixinStandardHelpOptions = true,
        description = "Creates a plugin project DIR/NAME that builds with one command (mvn for java and lambda-java, "
                + "make for c and wasm; a worker needs no build) and serves as-is once routed in proxy.ini.")
final class NewCommand implements Callable<Integer> {
    /** The plugin API a Java project compiles against: this server's. */
    static final String API_VERSION = "0.1.0-SNAPSHOT";
    private static final Pattern VALID_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");

    enum Kind {
        JAVA("Java plugin"), C("C plugin"), LAMBDA_JAVA("Java Lambda function"), WORKER("Cloudflare Worker"),
        WASM("WebAssembly (WAGI) module");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    @Parameters(index = "0", paramLabel = "KIND", converter = KindConverter.class,
            description = "java, c, lambda-java, worker or wasm")
    Kind kind;

    @Parameters(index = "1", paramLabel = "NAME", description = "letters, digits, '-' and '_', starting with a letter; "
            + "it names the directory, the route and the built file")
    String name;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".",
            description = "where to create NAME/ (default: the current directory)")
    Path dir;

    @Spec
    CommandSpec spec;

    /** One file of a project: a template in {@code scaffold/KIND/} and its path in the project. */
    private record Template(String resource, String path) {}

    @Override
    public Integer call() {
        if (!VALID_NAME.matcher(name).matches()) {
            throw new ParameterException(spec.commandLine(), "invalid NAME '" + name
                    + "': use letters, digits, '-' and '_', starting with a letter");
        }
        Path project = dir.normalize().resolve(name);
        PrintWriter err = spec.commandLine().getErr();
        try {
            Files.createDirectories(dir);
            Files.createDirectory(project);
        } catch (FileAlreadyExistsException e) {
            err.println("flexilib new: " + e.getFile() + " already exists; nothing was written. "
                    + "Pick another NAME or --dir.");
            return 1;
        } catch (IOException e) {
            err.println("flexilib new: cannot create " + project + ": " + e);
            return 1;
        }
        return write(project, placeholders(project), spec.commandLine().getOut(), err);
    }

    private int write(Path project, Map<String, String> values, PrintWriter out, PrintWriter err) {
        out.println("Created a " + kind.label + " project in " + project + ":");
        for (Template template : templates(values)) {
            Path file = project.resolve(template.path());
            try {
                Files.createDirectories(file.getParent());
                Files.writeString(file, fill(template.resource(), values));
            } catch (IOException e) {
                err.println("flexilib new: cannot write " + file + ": " + e);
                return 1;
            }
            out.println("  " + file);
        }
        out.print(fill("next-steps.txt", values));
        out.flush();
        return 0;
    }

    private Map<String, String> placeholders(Path project) {
        String className = className(name);
        String packageName = "plugins." + packageSegment(name);
        Path plugin = switch (kind) {
            case JAVA -> Path.of("target", name + ".jar");
            case C -> Path.of("build", "lib" + name + ".so");
            case LAMBDA_JAVA -> Path.of(name + ".json");
            case WORKER -> Path.of("wrangler.toml");
            case WASM -> Path.of(name + ".wasm");
        };
        return Map.of(
                "name", name,
                "class", className,
                "package", packageName,
                "source", "src/main/java/" + packageName.replace('.', '/') + "/" + className + ".java",
                "apiVersion", API_VERSION,
                "javaHome", System.getProperty("java.home"),
                "project", project.toString(),
                "compatibilityDate", WorkerConfig.DEFAULT_COMPATIBILITY_DATE,
                "pluginPath", project.resolve(plugin).toString());
    }

    private List<Template> templates(Map<String, String> values) {
        return switch (kind) {
            case JAVA -> List.of(
                    new Template("pom.xml", "pom.xml"),
                    new Template("Handler.java", values.get("source")),
                    new Template("dev.flexilib.api.Handler",
                            "src/main/resources/META-INF/services/dev.flexilib.api.Handler"),
                    new Template("README.md", "README.md"));
            case C -> List.of(
                    new Template("plugin.c", name + ".c"),
                    new Template("flexilib.h", "flexilib.h"),
                    new Template("Makefile", "Makefile"),
                    new Template("README.md", "README.md"));
            case LAMBDA_JAVA -> List.of(
                    new Template("pom.xml", "pom.xml"),
                    new Template("Handler.java", values.get("source")),
                    new Template("function.json", name + ".json"),
                    new Template("README.md", "README.md"));
            case WORKER -> List.of(
                    new Template("wrangler.toml", "wrangler.toml"),
                    new Template("index.js", "src/index.js"),
                    new Template("gitignore", ".gitignore"),
                    new Template("README.md", "README.md"));
            case WASM -> List.of(
                    new Template("module.c", name + ".c"),
                    new Template("module.properties", name + ".properties"),
                    new Template("Makefile", "Makefile"),
                    new Template("README.md", "README.md"));
        };
    }

    /** The template's text with every {@code {{key}}} replaced by its value. */
    private String fill(String resource, Map<String, String> values) {
        String text = template(kind, resource);
        for (Map.Entry<String, String> value : values.entrySet()) {
            text = text.replace("{{" + value.getKey() + "}}", value.getValue());
        }
        return text;
    }

    private static String template(Kind kind, String resource) {
        String path = "/scaffold/" + kind.name().toLowerCase(Locale.ROOT) + "/" + resource;
        try (InputStream in = NewCommand.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("the template " + path + " is missing from flexilib's JAR");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the template " + path, e);
        }
    }

    /** {@code my-plugin} → {@code MyPluginHandler}: a valid class name that clashes with no API type. */
    static String className(String name) {
        StringBuilder className = new StringBuilder();
        for (String part : name.split("[-_]")) {
            if (!part.isEmpty()) {
                className.append(Character.toUpperCase(part.charAt(0))).append(part, 1, part.length());
            }
        }
        return className.append("Handler").toString();
    }

    /** {@code My-Plugin} → {@code my_plugin}; a Java keyword gets a trailing {@code _} ({@code new_}). */
    static String packageSegment(String name) {
        String segment = name.toLowerCase(Locale.ROOT).replace('-', '_');
        return SourceVersion.isKeyword(segment) ? segment + "_" : segment;
    }

    /** {@code java} or {@code c}, as typed. */
    static final class KindConverter implements ITypeConverter<Kind> {
        @Override
        public Kind convert(String value) {
            return switch (value) {
                case "java" -> Kind.JAVA;
                case "c" -> Kind.C;
                case "lambda-java" -> Kind.LAMBDA_JAVA;
                case "worker" -> Kind.WORKER;
                case "wasm" -> Kind.WASM;
                default -> throw new TypeConversionException("expected 'java', 'c', 'lambda-java', 'worker' or 'wasm', found '"
                        + value + "'");
            };
        }
    }
}
