package dev.flexilib;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Builds the test WAGI modules in src/test/c with clang for wasm32-wasi, as a module author would. */
public final class Clang {
    private Clang() {}

    /** Compiles {@code src/test/c/NAME.wasm.c} to {@code output}; {@code defines} are passed as {@code -D}. */
    public static Path compile(String name, Path output, String... defines) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("clang", "--target=wasm32-wasi", "--sysroot=/usr", "-O2",
                "-Wall", "-Wl,--strip-all", "-o", output.toString()));
        for (String define : defines) {
            command.add("-D" + define);
        }
        command.add(TestServer.repo().resolve("flexilib-server/src/test/c/" + name + ".wasm.c").toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("clang finished").isTrue();
        assertThat(process.exitValue()).as("clang %s: %s", name, printed).isZero();
        return output;
    }
}
