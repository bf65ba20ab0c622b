package dev.flexilib;

import dev.flexilib.api.Handler;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Builds plugin JARs in a test the way a plugin author does: compiles Java
 * sources against the plugin API with javac and packs the classes with a
 * ServiceLoader listing. Compiling takes most of a second, so a test compiles
 * each distinct version once and writes the resulting {@link Jar} as often as
 * it needs, varying only resources where the classes stay the same.
 */
public final class JarBuilder {
    private static final JavaCompiler JAVAC = ToolProvider.getSystemJavaCompiler();
    private static final String SERVICES = "META-INF/services/" + Handler.class.getName();

    private final Map<String, String> sources = new LinkedHashMap<>();
    private final List<String> handlers = new ArrayList<>();
    private final List<Path> classpath = new ArrayList<>(List.of(apiClasses()));

    private JarBuilder() {}

    public static JarBuilder plugin() {
        return new JarBuilder();
    }

    /** Adds the compilation unit of top-level class {@code className} (e.g. {@code "com.example.Hello"}). */
    public JarBuilder source(String className, String code) {
        sources.put(className, code);
        return this;
    }

    /** Lists these classes in {@code META-INF/services/dev.flexilib.api.Handler}, in this order. */
    public JarBuilder service(String... classNames) {
        handlers.addAll(List.of(classNames));
        return this;
    }

    /** Compiles against {@code jar} too (the API is always on the class path); its classes are not packed. */
    public JarBuilder classpath(Path jar) {
        classpath.add(jar);
        return this;
    }

    /** Compiles the sources; throws with javac's diagnostics if they do not compile. */
    public Jar build() {
        Path work = null;
        try {
            work = Files.createTempDirectory("jarbuilder-");
            Path classes = Files.createDirectory(work.resolve("classes"));
            compile(classes);
            Map<String, byte[]> entries = new LinkedHashMap<>(read(classes));
            if (!handlers.isEmpty()) {
                entries.put(SERVICES, (String.join("\n", handlers) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return new Jar(entries);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteTree(work);
        }
    }

    private void compile(Path classes) throws IOException {
        List<JavaFileObject> units = sources.entrySet().stream()
                .map(source -> sourceFile(source.getKey(), source.getValue())).toList();
        String path = classpath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = JAVAC.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            boolean compiled = JAVAC.getTask(null, files, diagnostics,
                    List.of("-proc:none", "-classpath", path, "-d", classes.toString()), null, units).call();
            if (!compiled) {
                throw new IllegalStateException("the test plugin " + sources.keySet() + " does not compile:\n"
                        + diagnostics.getDiagnostics().stream().map(Object::toString).collect(Collectors.joining("\n")));
            }
        }
    }

    private static JavaFileObject sourceFile(String className, String code) {
        URI uri = URI.create("string:///" + className.replace('.', '/') + JavaFileObject.Kind.SOURCE.extension);
        return new SimpleJavaFileObject(uri, JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return code;
            }
        };
    }

    private static Map<String, byte[]> read(Path classes) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                entries.put(classes.relativize(file).toString().replace(File.separatorChar, '/'),
                        Files.readAllBytes(file));
            }
        }
        return entries;
    }

    /** Where the plugin API's classes are: a directory in the reactor build, a JAR from the local repository. */
    private static Path apiClasses() {
        try {
            return Path.of(Handler.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path directory) {
        if (directory == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A built plugin JAR, held in memory: entry names to contents, in order. */
    public record Jar(Map<String, byte[]> entries) {
        public Jar {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        /** The same classes with one more (or a replaced) entry, e.g. a resource that differs per version. */
        public Jar with(String name, String text) {
            Map<String, byte[]> more = new LinkedHashMap<>(entries);
            more.put(name, text.getBytes(StandardCharsets.UTF_8));
            return new Jar(more);
        }

        /** These entries and those of {@code library}, as a plugin bundles a library it uses. */
        public Jar bundling(Jar library) {
            Map<String, byte[]> more = new LinkedHashMap<>(entries);
            library.entries.forEach(more::putIfAbsent);
            return new Jar(more);
        }

        public byte[] bytes() {
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
                for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                    jar.putNextEntry(new JarEntry(entry.getKey()));
                    jar.write(entry.getValue());
                    jar.closeEntry();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        /** Truncates and rewrites {@code file} (the same inode), or creates it. */
        public Path writeInPlace(Path file) throws IOException {
            return Files.write(file, bytes(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        }

        /** Writes beside {@code file}, then renames into place: readers see the old or the new file, whole. */
        public Path moveIntoPlace(Path file) throws IOException {
            Path aside = Files.write(file.resolveSibling(file.getFileName() + ".tmp"), bytes());
            return Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
