package dev.flexilib.plugin.lambda;

import dev.flexilib.plugin.FileTrees;
import dev.flexilib.plugin.PluginLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The task root of one generation: its own copy of the function's code, as
 * Lambda unpacks a deployment package into {@code /var/task}. A directory is
 * copied; a .zip or .jar is unpacked (a Java function's classes at the root,
 * its libraries in {@code lib/}). The original can then be rebuilt while the
 * environments of this generation still run.
 */
final class CodeCopy {
    private CodeCopy() {}

    /** The copy of a Java function's JAR or .zip in its task root, on the runtime's class path. */
    static final String JAVA_ARCHIVE = "function.jar";

    /**
     * Copies {@code code} into {@code taskRoot}. A Java function's archive is copied
     * whole and only its {@code lib/*.jar} taken out (both go on the class path):
     * creating a file per class cost most of a cold start here (1,100 files, 0.9 s).
     */
    static void prepare(Path code, Path taskRoot, boolean java) throws PluginLoadException {
        try {
            Files.createDirectories(taskRoot);
            if (Files.isDirectory(code)) {
                copyTree(code, taskRoot);
            } else if (Files.isRegularFile(code) && java) {
                Files.copy(code, taskRoot.resolve(JAVA_ARCHIVE));
                unpack(code, taskRoot, name -> name.startsWith("lib/") && name.endsWith(".jar"));
            } else if (Files.isRegularFile(code)) {
                unpack(code, taskRoot, name -> true);
            } else {
                throw new PluginLoadException("the function's code " + code + " does not exist");
            }
        } catch (IOException e) {
            FileTrees.delete(taskRoot);
            throw new PluginLoadException("cannot copy the function's code " + code + ": " + e, e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /**
     * Unpacks a zip's {@code wanted} entries (a JAR is a zip). The zip format's Unix permissions are not
     * readable through the JDK, so {@code bootstrap} at the root, which Lambda
     * requires to be executable, is made so.
     */
    private static void unpack(Path archive, Path to, Predicate<String> wanted) throws IOException, PluginLoadException {
        Path root = to.toAbsolutePath().normalize();
        boolean entries = false;
        try (InputStream file = Files.newInputStream(archive); ZipInputStream zip = new ZipInputStream(file)) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                entries = true;
                if (!wanted.test(entry.getName())) {
                    continue;
                }
                Path target = root.resolve(entry.getName()).normalize();
                if (!target.startsWith(root)) {
                    throw new PluginLoadException("the function's code " + archive + " has an entry outside it: "
                            + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        if (!entries) {
            throw new PluginLoadException("the function's code " + archive + " is not a .zip or .jar archive");
        }
        Path bootstrap = root.resolve("bootstrap");
        if (Files.isRegularFile(bootstrap, LinkOption.NOFOLLOW_LINKS)) {
            Set<PosixFilePermission> permissions = EnumSet.copyOf(Files.getPosixFilePermissions(bootstrap));
            permissions.addAll(Set.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_EXECUTE));
            Files.setPosixFilePermissions(bootstrap, permissions);
        }
    }
}
