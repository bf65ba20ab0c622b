package dev.flexilib.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The right side of a proxy.ini line: which plugin answers. Two routes with an
 * equal spec share one loaded plugin, and a config reload keeps the loaded
 * plugin of every spec it still names.
 */
public record PluginSpec(Kind kind, Path path, Optional<String> entryPoint) implements Backend {

    /** A plugin whose file alone says what to load. */
    public PluginSpec(Kind kind, Path path) {
        this(kind, path, Optional.empty());
    }

    /** A Lambda function: its settings file, and its FunctionName (the Invoke API's name for it). */
    public static PluginSpec lambda(Path settings, String functionName) {
        return new PluginSpec(Kind.LAMBDA, settings, Optional.of(functionName));
    }

    /** A SAM application: its template, and the route's path prefix (taken off as an API mapping's base path). */
    public static PluginSpec sam(Path template, String basePath) {
        return new PluginSpec(Kind.SAM, template, Optional.of(basePath));
    }

    /** A WebAssembly (WAGI) module, and the route's path prefix (its SCRIPT_NAME). */
    public static PluginSpec wasm(Path module, String pathPrefix) {
        return new PluginSpec(Kind.WASM, module, Optional.of(pathPrefix));
    }

    /** How the plugin is hosted; recognised from the form of the value. */
    public enum Kind {
        /** A shared library with FlexiLib's C ABI: every value that no other kind claims. */
        NATIVE,
        /** A JAR with a {@code dev.flexilib.api.Handler}: {@code plugin.jar} or {@code plugin.jar#com.example.Handler}. */
        JAVA,
        /** An AWS Lambda function: {@code lambda:function.json}, its settings file. */
        LAMBDA,
        /** An AWS SAM application: {@code lambda:template.yaml}; its entry point is the path prefix it is mounted at. */
        SAM,
        /** A Cloudflare Worker: {@code worker.js}, {@code worker.mjs}, {@code wrangler.toml}, {@code wrangler.json(c)}. */
        WORKER,
        /** A WebAssembly WAGI module, {@code module.wasm}; its entry point is the path prefix it is mounted at. */
        WASM
    }

    @Override
    public String toString() {
        if (kind == Kind.LAMBDA) {
            return "lambda:" + path;
        }
        if (kind == Kind.SAM) {
            return "lambda:" + path + " at " + entryPoint.orElse("/");
        }
        if (kind == Kind.WASM) {
            return path.toString();
        }
        return entryPoint.map(entry -> path + "#" + entry).orElse(path.toString());
    }
}
