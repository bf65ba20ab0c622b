package dev.flexilib.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads FlexiLib's proxy.ini: one {@code KEY = VALUE} route per line, tried in
 * file order. {@code #} starts a comment anywhere on a line; blank lines are
 * skipped; relative plugin paths are resolved against the config file's directory.
 */
public final class ProxyIni {

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern JAVA_CLASS = Pattern.compile("[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*(\\.[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*)*");
    private static final Pattern WHITESPACE = Pattern.compile("[ \t]+");

    private final Path file;
    private final SamTemplate.Overrides sam;
    private final List<RouteSpec> routes = new ArrayList<>();
    private final List<ConfigError> errors = new ArrayList<>();
    private final List<ConfigError> warnings = new ArrayList<>();
    private final Map<String, Integer> lineOfKey = new HashMap<>();

    private ProxyIni(Path file, SamTemplate.Overrides sam) {
        this.file = file;
        this.sam = sam;
    }

    /** Parses {@code file}; throws {@link ConfigException} listing every error in it. */
    public static RouteConfig read(Path file) {
        return read(file, SamTemplate.Overrides.NONE);
    }

    /**
     * Parses {@code file}, reading the SAM templates it routes to with {@code sam}'s
     * parameters and environment values. A SAM template itself is read as the one
     * route {@code / = lambda:TEMPLATE}, so that {@code flexilib check template.yaml}
     * and {@code flexilib sam template.yaml} validate and serve it as a proxy.ini would.
     */
    public static RouteConfig read(Path file, SamTemplate.Overrides sam) {
        if (SamTemplate.isTemplate(file)) {
            ProxyIni ini = new ProxyIni(file, sam);
            PluginSpec application = ini.parseTemplate(0, file.toAbsolutePath().normalize(), "/");
            if (!ini.errors.isEmpty()) {
                throw new ConfigException(ini.errors);
            }
            return new RouteConfig(file, List.of(new RouteSpec(0, new RouteKey.PathPrefix("/"), application)),
                    ini.warnings);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(file, 0, "cannot read the file: " + e)));
        }
        return parse(file, lines, sam);
    }

    /** Parses {@code lines} as if read from {@code file} (which locates relative plugin paths). */
    public static RouteConfig parse(Path file, List<String> lines) {
        return parse(file, lines, SamTemplate.Overrides.NONE);
    }

    private static RouteConfig parse(Path file, List<String> lines, SamTemplate.Overrides sam) {
        ProxyIni ini = new ProxyIni(file, sam);
        for (int i = 0; i < lines.size(); i++) {
            ini.parseLine(i + 1, lines.get(i));
        }
        if (!ini.errors.isEmpty()) {
            throw new ConfigException(ini.errors);
        }
        return new RouteConfig(file, ini.routes, ini.warnings);
    }

    private void parseLine(int line, String text) {
        int comment = commentStart(text);
        String content = (comment >= 0 ? text.substring(0, comment) : text).strip();
        if (content.isEmpty()) {
            return;
        }
        int equals = content.indexOf('=');
        if (equals < 0) {
            error(line, "expected 'KEY = VALUE' (a route such as '/path = lib/plugin.so'), found '" + content + "'");
            return;
        }
        String keyText = content.substring(0, equals).strip();
        String valueText = content.substring(equals + 1).strip();
        RouteKey key = parseKey(line, keyText);
        Backend backend = valueText.startsWith("http://") || valueText.startsWith("https://")
                ? parseProxy(line, valueText) : parsePlugin(line, valueText, key == null ? "/" : key.pathPrefix());
        if (key == null || backend == null || isDuplicate(line, key)) {
            return;
        }
        routes.add(new RouteSpec(line, key, backend));
    }

    /** Where the comment starts: at the first '#', except the one in a Java route's {@code plugin.jar#ClassName}. */
    private static int commentStart(String text) {
        for (int hash = text.indexOf('#'); hash >= 0; hash = text.indexOf('#', hash + 1)) {
            if (!text.startsWith(".jar", hash - 4)) {
                return hash;
            }
        }
        return -1;
    }

    private RouteKey parseKey(int line, String key) {
        if (key.isEmpty()) {
            error(line, "the route has no key: expected '/pathprefix' or 'Header-Name: valueprefix /pathprefix'");
            return null;
        }
        if (key.startsWith("/")) {
            if (WHITESPACE.matcher(key).find()) {
                error(line, "the path prefix '" + key + "' contains whitespace");
                return null;
            }
            return new RouteKey.PathPrefix(key);
        }
        return parseHeaderKey(line, key);
    }

    private RouteKey parseHeaderKey(int line, String key) {
        int colon = key.indexOf(':');
        String name = colon < 0 ? "" : key.substring(0, colon).strip();
        String[] parts = colon < 0 ? new String[0] : WHITESPACE.split(key.substring(colon + 1).strip());
        if (colon < 0 || !TOKEN.matcher(name).matches() || parts.length != 2 || !parts[1].startsWith("/")) {
            error(line, "expected a key '/pathprefix' or 'Header-Name: valueprefix /pathprefix', found '" + key + "'");
            return null;
        }
        return new RouteKey.HeaderPrefix(name, parts[0], parts[1]);
    }

    private PluginSpec parsePlugin(int line, String value, String pathPrefix) {
        if (value.isEmpty()) {
            error(line, "the route has no plugin: expected a plugin path after '='");
            return null;
        }
        if (value.startsWith("lambda:")) {
            return parseLambda(line, value.substring("lambda:".length()).strip(), pathPrefix);
        }
        int hash = value.indexOf(".jar#");
        String file = hash >= 0 ? value.substring(0, hash + 4) : value;
        Optional<String> entryPoint = hash >= 0 ? Optional.of(value.substring(hash + 5)) : Optional.empty();
        if (entryPoint.isPresent() && !JAVA_CLASS.matcher(entryPoint.get()).matches()) {
            error(line, "'" + entryPoint.get() + "' after '#' is not a Java class name");
            return null;
        }
        Path path;
        try {
            path = this.file.toAbsolutePath().getParent().resolve(file).normalize();
        } catch (InvalidPathException e) {
            error(line, "'" + value + "' is not a valid plugin path: " + e.getReason());
            return null;
        }
        if (entryPoint.isEmpty() && WasmConfig.isModule(file)) {
            return parseWasm(line, path, pathPrefix);
        }
        if (entryPoint.isEmpty() && WorkerConfig.isWorker(file)) {
            return parseWorker(line, path);
        }
        PluginSpec.Kind kind = file.endsWith(".jar") ? PluginSpec.Kind.JAVA : PluginSpec.Kind.NATIVE;
        if (!Files.exists(path)) {
            warnings.add(new ConfigError(this.file, line, "plugin file " + path
                    + " does not exist yet; the route answers 500 until it appears"));
        } else if (Files.isDirectory(path)) {
            error(line, "the plugin path " + path + " is a directory, expected "
                    + (kind == PluginSpec.Kind.JAVA ? "a JAR" : "a shared library"));
            return null;
        }
        return new PluginSpec(kind, path, entryPoint);
    }

    /**
     * {@code lambda:function.json} or {@code lambda:template.yaml}: the function's settings
     * (or the SAM template) are read now, so that their errors stop start-up (or a
     * reload) with the settings file's own line numbers.
     */
    private PluginSpec parseLambda(int line, String value, String pathPrefix) {
        if (!value.endsWith(".json") && !value.endsWith(".yaml") && !value.endsWith(".yml")) {
            error(line, "'lambda:" + value + "' names neither a function's settings nor a SAM template: expected "
                    + "lambda:FILE.json or lambda:template.yaml");
            return null;
        }
        Path path;
        try {
            path = this.file.toAbsolutePath().getParent().resolve(value).normalize();
        } catch (InvalidPathException e) {
            error(line, "'" + value + "' is not a valid path: " + e.getReason());
            return null;
        }
        if (SamTemplate.isTemplate(path)) {
            return parseTemplate(line, path, pathPrefix);
        }
        if (!value.endsWith(".json")) {
            error(line, "SAM template " + path + " does not exist");
            return null;
        }
        if (!Files.exists(path)) {
            warnings.add(new ConfigError(this.file, line, "function settings " + path
                    + " do not exist yet; the route answers 500 until they appear"));
            return PluginSpec.lambda(path, path.getFileName().toString().replaceFirst("\\.json$", ""));
        }
        try {
            FunctionConfig function = FunctionConfig.read(path);
            warnings.addAll(function.warnings());
            return PluginSpec.lambda(path, function.name());
        } catch (ConfigException e) {
            errors.addAll(e.errors());
            return null;
        }
    }

    /**
     * A SAM application mounted at {@code pathPrefix}: its template read now, so that its
     * errors stop the config (what it does not emulate is said as each version of it loads).
     */
    private PluginSpec parseTemplate(int line, Path template, String pathPrefix) {
        if (!Files.isRegularFile(template)) {
            error(line, "SAM template " + template + " does not exist");
            return null;
        }
        try {
            sam.read(template);
            return PluginSpec.sam(template, pathPrefix);
        } catch (ConfigException e) {
            errors.addAll(e.errors());
            return null;
        }
    }

    /**
     * A Cloudflare Worker: its module or wrangler file read now, so that its errors stop
     * the config with their lines; one that does not exist yet is a warning, as for plugins.
     */
    private PluginSpec parseWorker(int line, Path path) {
        if (!Files.exists(path)) {
            warnings.add(new ConfigError(this.file, line, "Worker " + path
                    + " does not exist yet; the route answers 500 until it appears"));
            return new PluginSpec(PluginSpec.Kind.WORKER, path, Optional.empty());
        }
        try {
            warnings.addAll(WorkerConfig.read(path).warnings());
            return new PluginSpec(PluginSpec.Kind.WORKER, path, Optional.empty());
        } catch (ConfigException e) {
            errors.addAll(e.errors());
            return null;
        }
    }

    /**
     * A WebAssembly module mounted at {@code pathPrefix}: its settings read now, so that their
     * errors stop the config with their lines; the module itself is validated as it loads.
     */
    private PluginSpec parseWasm(int line, Path module, String pathPrefix) {
        if (!Files.exists(module)) {
            warnings.add(new ConfigError(this.file, line, "module " + module
                    + " does not exist yet; the route answers 500 until it appears"));
        }
        try {
            WasmConfig.read(module);
            return PluginSpec.wasm(module, pathPrefix);
        } catch (ConfigException e) {
            errors.addAll(e.errors());
            return null;
        }
    }

    /** {@code http://host:port[/base]}, several separated by commas. */
    private ProxySpec parseProxy(int line, String value) {
        List<ProxySpec.Upstream> upstreams = new ArrayList<>();
        for (String part : value.split(",")) {
            ProxySpec.Upstream upstream = parseUpstream(line, part.strip());
            if (upstream == null) {
                return null;
            }
            upstreams.add(upstream);
        }
        return new ProxySpec(upstreams);
    }

    private ProxySpec.Upstream parseUpstream(int line, String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            error(line, "'" + text + "' is not an upstream URL: " + e.getReason());
            return null;
        }
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        if (!https && !"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            error(line, "'" + text + "' is not an upstream URL: expected http://host:port[/base] or https://...");
            return null;
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            error(line, "the upstream URL '" + text + "' may not have a query, a fragment or user info");
            return null;
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String base = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        int port = uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80;
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        return new ProxySpec.Upstream(https, host, port, base);
    }

    private boolean isDuplicate(int line, RouteKey key) {
        String identity = switch (key) {
            case RouteKey.PathPrefix p -> p.pathPrefix();
            case RouteKey.HeaderPrefix h ->
                    h.headerName().toLowerCase(Locale.ROOT) + ":" + h.valuePrefix() + " " + h.pathPrefix();
        };
        Integer first = lineOfKey.putIfAbsent(identity, line);
        if (first != null) {
            error(line, "duplicate key '" + key + "': it is already routed on line " + first);
            return true;
        }
        return false;
    }

    private void error(int line, String message) {
        errors.add(new ConfigError(file, line, message));
    }
}
