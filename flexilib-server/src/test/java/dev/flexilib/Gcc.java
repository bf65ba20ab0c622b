package dev.flexilib;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Builds the test plugins in src/test/c with gcc, as a plugin author would. */
public final class Gcc {
    private Gcc() {}

    /** The source of a test plugin, e.g. {@code source("versioned")}. */
    public static Path source(String name) {
        return TestServer.repo().resolve("flexilib-server/src/test/c/" + name + ".c");
    }

    /**
     * Compiles a test plugin straight to {@code output} with {@code gcc -o}, the way a
     * developer rebuilds a plugin in place; {@code defines} are passed as {@code -D}.
     */
    public static Path compile(String name, Path output, String... defines) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("gcc", "-O2", "-fPIC", "-shared", "-Wall",
                "-I" + TestServer.repo().resolve("examples/native"), "-o", output.toString()));
        for (String define : defines) {
            command.add("-D" + define);
        }
        return gcc(name, command, output);
    }

    /** Compiles the test program {@code name} (a {@code main}, not a plugin) to {@code output}. */
    public static Path program(String name, Path output) throws IOException, InterruptedException {
        return gcc(name, new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-o", output.toString())), output);
    }

    private static Path gcc(String name, List<String> command, Path output) throws IOException, InterruptedException {
        command.add(source(name).toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output0 = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("gcc finished").isTrue();
        assertThat(process.exitValue()).as("gcc %s: %s", name, output0).isZero();
        return output;
    }
}
