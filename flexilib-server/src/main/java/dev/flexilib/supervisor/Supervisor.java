package dev.flexilib.supervisor;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The supervisor is a small C program ({@code flexilib-supervisor}, built beside
 * the jar from {@code src/main/c}): it owns the listening socket, starts the
 * serving child JVM on it, restarts it when it dies and forwards signals.
 * {@code bin/flexilib} starts it directly; a JVM that was asked to serve with a
 * supervisor (as {@code java -jar flexilib-server.jar serve} or {@code flexilib
 * sam} are) becomes it, by {@code execve}, once it has read its command line.
 */
public final class Supervisor {
    /** The system property by which the launcher passes its JVM options for the serving child. */
    public static final String SERVER_JAVA_OPTIONS = "flexilib.serverJavaOptions";
    /** The environment variable naming the descriptor on which a supervised child says that it serves. */
    private static final String READY_FD = "FLEXILIB_READY_FD";

    private Supervisor() {}

    /**
     * Replaces this process with the supervisor, which runs children of {@code
     * childMain} (a main class and its arguments, on this process's class path),
     * their environment this one's with {@code environment} set. Returns only if
     * that cannot be done, with the reason.
     */
    public static IOException become(List<String> childMain, Map<String, String> environment) {
        Path binary = binary();
        if (!Files.isExecutable(binary)) {
            return new IOException("the supervisor " + binary + " is not built: run bin/build, or serve with --no-supervisor");
        }
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(childCommand(childMain));
        System.out.flush();
        System.err.flush();
        return Posix.execve(binary, command, environment);
    }

    /**
     * The child's JVM: the options it needs, then the launcher's defaults for a
     * serving JVM (the system property {@value #SERVER_JAVA_OPTIONS}: heap, GC,
     * AOT cache), then {@code FLEXILIB_JAVA_OPTS}, which come last so that they
     * win. The supervisor adds where the JVM writes its crash report.
     */
    static List<String> childCommand(List<String> childMain) {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                "--enable-native-access=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-XX:+ExitOnOutOfMemoryError",
                "-XX:+DisplayVMOutputToStderr", // what the JVM prints as it gives up belongs on stderr, not in the access log
                "-XX:-CreateCoredumpOnCrash"));
        command.addAll(options(System.getProperty(SERVER_JAVA_OPTIONS)));
        command.addAll(options(System.getenv("FLEXILIB_JAVA_OPTS")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        command.addAll(childMain);
        return List.copyOf(command);
    }

    private static List<String> options(String text) {
        return text == null || text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
    }

    /** {@code flexilib-supervisor} beside the jar or the classes directory this class was loaded from. */
    private static Path binary() {
        try {
            Path loadedFrom = Path.of(Supervisor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return loadedFrom.toAbsolutePath().getParent().resolve("flexilib-supervisor");
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("flexilib-supervisor");
        }
    }

    /**
     * Tells the supervisor, if there is one, that this child serves: until then a
     * first child that exits could not start, and the supervisor gives up instead
     * of starting it again.
     */
    public static void ready() {
        String fd = System.getenv(READY_FD);
        if (fd == null || !fd.matches("\\d+")) {
            return;
        }
        try (OutputStream out = Files.newOutputStream(Path.of("/proc/self/fd", fd))) {
            out.write('r');
        } catch (IOException e) {
            // the supervisor is gone, and this child stops with it
        }
    }
}
