package dev.flexilib.api;

import java.nio.file.Path;
import java.util.Map;

/** What the server gives a plugin at {@link Handler#init}. */
public interface PluginContext {

    /** The plugin's name: its JAR's file name without {@code .jar}. */
    String name();

    /** A logger whose lines go to the server's diagnostics, tagged with the plugin's name. */
    System.Logger logger();

    /** The directory the plugin's JAR lives in (not the private copy the server loads). */
    Path directory();

    /**
     * The plugin's configuration: the entries of {@code NAME.properties} next to
     * the JAR, if there is one; empty otherwise. Read once per generation.
     */
    Map<String, String> config();
}
