package dev.flexilib.config;

import java.nio.file.Path;

/** One problem in a config file, located by file and 1-based line number (0: the file as a whole). */
public record ConfigError(Path file, int line, String message) {
    @Override
    public String toString() {
        return line > 0 ? file + ":" + line + ": " + message : file + ": " + message;
    }
}
