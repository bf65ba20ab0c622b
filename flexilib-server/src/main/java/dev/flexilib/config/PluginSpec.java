package dev.flexilib.config;

import java.nio.file.Path;

/**
 * The right side of a proxy.ini line: which plugin answers. Two routes with an
 * equal spec share one loaded plugin, and a config reload keeps the loaded
 * plugin of every spec it still names.
 */
public record PluginSpec(Kind kind, Path path) {

    /** How the plugin is hosted; recognised from the form of the value. */
    public enum Kind {
        /** A shared library with FlexiLib's C ABI: every value that no other kind claims. */
        NATIVE
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
