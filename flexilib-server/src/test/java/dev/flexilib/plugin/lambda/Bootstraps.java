package dev.flexilib.plugin.lambda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Custom runtimes for tests: shell {@code bootstrap}s that speak Lambda's Runtime
 * API with curl, as AWS's own custom-runtime tutorial does. Each gets
 * {@code next} (waits for an invocation: its id in {@code $ID}, its event in the
 * file {@code event}) and {@code post PATH BODY} (prints the status it got).
 */
final class Bootstraps {
    static final String PRELUDE = """
            #!/bin/sh
            API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
            next() {
              curl -sS -D headers -o event "$API/invocation/next"
              ID=$(sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: *\\([^\\r]*\\).*/\\1/p' headers)
            }
            post() { # post PATH BODY: prints the status
              curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$2" "$API/$1"
            }
            """;

    private Bootstraps() {}

    /** Writes an executable {@code directory/bootstrap} running {@code body} after the prelude, renamed into place. */
    static Path write(Path directory, String body) throws IOException {
        Files.createDirectories(directory);
        Path aside = Files.writeString(directory.resolveSibling(directory.getFileName() + ".bootstrap.tmp"), PRELUDE + body);
        Files.setPosixFilePermissions(aside, PosixFilePermissions.fromString("rwxr-xr-x"));
        return Files.move(aside, directory.resolve("bootstrap"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** The settings of a provided.al2023 function named {@code name} whose code is the directory {@code name}. */
    static Path settings(Path directory, String name, String more) throws IOException {
        return Files.writeString(directory.resolve(name + ".json"), """
                {"FunctionName": "%s", "Runtime": "provided.al2023", "Handler": "h", "CodeUri": "%s"%s}
                """.formatted(name, name, more.isEmpty() ? "" : ", " + more));
    }
}
