package dev.flexilib.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Cloudflare Worker as a route names it: an ES module ({@code worker.js},
 * {@code worker.mjs}) or a wrangler file ({@code wrangler.toml},
 * {@code wrangler.json}, {@code wrangler.jsonc}), read as {@code wrangler dev}
 * reads it. The result is the wrangler config workerd serves: the settings
 * workerd runs locally ({@code main}, {@code compatibility_date},
 * {@code compatibility_flags}, {@code vars}, {@code kv_namespaces},
 * {@code d1_databases}, {@code durable_objects}, {@code migrations},
 * {@code queues}, {@code workflows}, {@code triggers}, {@code assets},
 * {@code no_bundle}) with paths made absolute and the secrets of {@code .dev.vars}
 * (or {@code .env}) among the vars; deployment settings are dropped, and bindings
 * workerd cannot run here are warnings.
 *
 * @param file      the route's file
 * @param directory the project's directory: the wrangler file's, or the module's
 * @param name      the Worker's name (wrangler's {@code name}, else the file's)
 * @param main      the entry module
 * @param wrangler  the config workerd is given
 * @param secrets   where the secrets came from, if a {@code .dev.vars} or {@code .env} exists
 * @param warnings  what is ignored or not emulated
 */
public record WorkerConfig(Path file, Path directory, String name, Path main, ObjectNode wrangler,
                           Optional<Path> secrets, List<ConfigError> warnings) {

    /** The compatibility date a Worker without one runs with: the pinned workerd's own date. */
    public static final String DEFAULT_COMPATIBILITY_DATE = "2026-11-17";

    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,63}");
    private static final Pattern BINDING = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");
    /** What workerd's wrangler support reads, passed on. */
    private static final Set<String> RUN = Set.of("name", "main", "compatibility_date", "compatibility_flags", "vars",
            "durable_objects", "exports", "migrations", "kv_namespaces", "triggers", "queues", "workflows",
            "d1_databases", "no_bundle", "assets");
    /** What only a deployment uses: dropped without a word. */
    private static final Set<String> DEPLOYMENT = Set.of("$schema", "account_id", "routes", "route", "workers_dev",
            "preview_urls", "zone_id", "logpush", "observability", "placement", "limits", "tail_consumers",
            "upload_source_maps", "keep_vars", "send_metrics", "usage_model", "compliance_region", "dev",
            "first_party_worker", "logfwdr", "minify", "keep_names", "node_compat", "legacy_env");
    /** Bindings workerd has no local implementation of here: the Worker runs without them. */
    private static final Set<String> NOT_EMULATED = Set.of("r2_buckets", "services", "ai", "analytics_engine_datasets",
            "browser", "hyperdrive", "vectorize", "mtls_certificates", "dispatch_namespaces", "send_email",
            "version_metadata", "images", "pipelines", "secrets_store_secrets", "unsafe", "wasm_modules",
            "text_blobs", "data_blobs", "containers", "worker_loaders", "ratelimits", "unsafe_hello_world",
            "vpc_services");

    public WorkerConfig {
        warnings = List.copyOf(warnings);
    }

    /** Whether a route value names a Worker: a .js or .mjs module, a .toml or .jsonc file, or a wrangler.json. */
    public static boolean isWorker(String value) {
        String name = Path.of(value).getFileName() == null ? value : Path.of(value).getFileName().toString();
        return name.endsWith(".js") || name.endsWith(".mjs") || name.endsWith(".toml") || name.endsWith(".jsonc")
                || name.equals("wrangler.json");
    }

    /** Reads {@code file}; throws {@link ConfigException} with every error, at its line. */
    public static WorkerConfig read(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        String fileName = absolute.getFileName().toString();
        if (fileName.endsWith(".js") || fileName.endsWith(".mjs")) {
            return new Reader(absolute, new LocatedTree(JsonNodeFactory.instance.objectNode()
                    .put("main", fileName), Map.of())).module();
        }
        JsonFactory factory = fileName.endsWith(".toml") ? new TomlFactory()
                : JsonFactory.builder().enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
                        .enable(JsonReadFeature.ALLOW_TRAILING_COMMA).build();
        String format = fileName.endsWith(".toml") ? "TOML" : "JSON";
        LocatedTree tree = LocatedTree.read(absolute, factory, format, "wrangler settings: name, main, "
                + "compatibility_date, vars, ...", (tag, value) -> value);
        if (format.equals("TOML")) {
            tree = new LocatedTree(tree.root(), tomlLines(absolute)); // Jackson's TOML parser keeps no locations
        }
        return new Reader(absolute, tree).wrangler();
    }

    /**
     * Where each key of a TOML file is: {@code key = ...} lines under their
     * {@code [table]} or {@code [[array]]} headers, as JSON pointers.
     */
    private static Map<String, Integer> tomlLines(Path file) {
        Map<String, Integer> lines = new LinkedHashMap<>();
        Map<String, Integer> arrayCounts = new LinkedHashMap<>();
        List<String> text;
        try {
            text = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return lines;
        }
        String table = "";
        for (int i = 0; i < text.size(); i++) {
            String line = text.get(i).strip();
            if (line.startsWith("[[") && line.contains("]]")) {
                String name = "/" + line.substring(2, line.indexOf("]]")).strip().replace('.', '/');
                int index = arrayCounts.merge(name, 1, Integer::sum) - 1;
                table = name + "/" + index;
                lines.putIfAbsent(name, i + 1);
                lines.put(table, i + 1);
            } else if (line.startsWith("[") && line.contains("]")) {
                table = "/" + line.substring(1, line.indexOf(']')).strip().replace('.', '/');
                lines.putIfAbsent(table, i + 1);
            } else if (line.contains("=") && !line.startsWith("#")) {
                String key = line.substring(0, line.indexOf('=')).strip().replace("\"", "");
                lines.putIfAbsent(table + "/" + key.replace('.', '/'), i + 1);
            }
        }
        return lines;
    }

    private static final class Reader {
        private final Path file;
        private final Path directory;
        private final LocatedTree tree;
        private final List<ConfigError> errors = new ArrayList<>();
        private final List<ConfigError> warnings = new ArrayList<>();

        Reader(Path file, LocatedTree tree) {
            this.file = file;
            this.directory = file.getParent();
            this.tree = tree;
        }

        /** A bare module: wrangler's defaults around it. */
        WorkerConfig module() {
            ObjectNode wrangler = JsonNodeFactory.instance.objectNode();
            String name = file.getFileName().toString().replaceFirst("\\.m?js$", "");
            wrangler.put("name", NAME.matcher(name).matches() ? name : "worker");
            wrangler.put("main", file.toString());
            wrangler.put("compatibility_date", DEFAULT_COMPATIBILITY_DATE);
            Optional<Path> secrets = secrets(wrangler);
            return finish(wrangler, file, secrets);
        }

        WorkerConfig wrangler() {
            JsonNode root = tree.root();
            ObjectNode wrangler = JsonNodeFactory.instance.objectNode();
            root.properties().forEach(entry -> {
                String key = entry.getKey();
                if (RUN.contains(key)) {
                    wrangler.set(key, entry.getValue().deepCopy());
                } else if (key.equals("env")) {
                    warn("/env", "[env.*] environments are not applied: the top-level settings run (as "
                            + "wrangler dev without --env)");
                } else if (NOT_EMULATED.contains(key)) {
                    warn("/" + key, key + " is not emulated by flexilib: the Worker runs without these bindings");
                } else if (key.equals("build")) {
                    warn("/build", "build.command is not run: build first, then flexilib serves main");
                } else if (key.equals("rules") || key.equals("find_additional_modules") || key.equals("alias")
                        || key.equals("define") || key.equals("base_dir") || key.equals("preserve_file_names")) {
                    warn("/" + key, key + " is not applied: main is bundled with esbuild's defaults");
                } else if (!DEPLOYMENT.contains(key)) {
                    warn("/" + key, "unknown setting '" + key + "'; ignored");
                }
            });
            String name = text(wrangler, "name", directory.getFileName() == null ? "worker"
                    : directory.getFileName().toString());
            if (!NAME.matcher(name).matches()) {
                error("/name", "name '" + name + "' is not a Worker name: letters, digits, '-' and '_', at most 63");
            }
            wrangler.put("name", name);
            Path main = null;
            if (!wrangler.path("main").isTextual() || wrangler.path("main").asText().isBlank()) {
                error("/main", "no main: the Worker's entry module, e.g. main = \"src/index.js\"");
            } else {
                main = directory.resolve(wrangler.get("main").asText()).normalize();
                if (!Files.isRegularFile(main)) {
                    error("/main", "main " + main + " does not exist");
                }
                wrangler.put("main", main.toString());
            }
            if (!wrangler.has("compatibility_date")) {
                warn("", "no compatibility_date: the Worker runs with " + DEFAULT_COMPATIBILITY_DATE
                        + ", the runtime's own (set one, as wrangler asks)");
                wrangler.put("compatibility_date", DEFAULT_COMPATIBILITY_DATE);
            } else if (!DATE.matcher(wrangler.get("compatibility_date").asText()).matches()) {
                error("/compatibility_date", "compatibility_date must be YYYY-MM-DD, found '"
                        + wrangler.get("compatibility_date").asText() + "'");
            }
            if (wrangler.has("compatibility_flags") && !wrangler.get("compatibility_flags").isArray()) {
                error("/compatibility_flags", "compatibility_flags must be a list of flags");
            }
            if (wrangler.has("vars") && !wrangler.get("vars").isObject()) {
                error("/vars", "vars must be a table of names to values");
            }
            bindings(wrangler, "kv_namespaces");
            bindings(wrangler, "d1_databases");
            absolute(wrangler.path("d1_databases"), "migrations_dir");
            JsonNode assets = wrangler.path("assets");
            if (assets.isObject() && assets.has("directory")) {
                Path assetsDirectory = directory.resolve(assets.get("directory").asText()).normalize();
                if (!Files.isDirectory(assetsDirectory)) {
                    error("/assets/directory", "assets.directory " + assetsDirectory + " is not a directory");
                }
                ((ObjectNode) assets).put("directory", assetsDirectory.toString());
            }
            JsonNode crons = wrangler.path("triggers").path("crons");
            if (!crons.isMissingNode() && (!crons.isArray() || !isTextList(crons))) {
                error("/triggers/crons", "triggers.crons must be a list of cron expressions");
            }
            Optional<Path> secrets = secrets(wrangler);
            return finish(wrangler, main, secrets);
        }

        private WorkerConfig finish(ObjectNode wrangler, Path main, Optional<Path> secrets) {
            if (!errors.isEmpty()) {
                throw new ConfigException(errors);
            }
            return new WorkerConfig(file, directory, wrangler.get("name").asText(), main, wrangler, secrets, warnings);
        }

        /** Each entry of a list of bindings has a {@code binding} that is a JavaScript name. */
        private void bindings(ObjectNode wrangler, String key) {
            JsonNode list = wrangler.path(key);
            if (list.isMissingNode()) {
                return;
            }
            if (!list.isArray()) {
                error("/" + key, key + " must be a list of {binding = ..., id = ...}");
                return;
            }
            for (int i = 0; i < list.size(); i++) {
                String binding = list.get(i).path("binding").asText("");
                if (!BINDING.matcher(binding).matches()) {
                    error("/" + key + "/" + i, key + "[" + i + "] has no binding name (a JavaScript identifier), found '"
                            + binding + "'");
                }
            }
        }

        private void absolute(JsonNode list, String field) {
            list.forEach(entry -> {
                if (entry.isObject() && entry.has(field)) {
                    ((ObjectNode) entry).put(field, directory.resolve(entry.get(field).asText()).normalize().toString());
                }
            });
        }

        /**
         * The secrets of {@code .dev.vars} (else {@code .env}) beside the settings, as
         * wrangler dev reads them, over the vars of the same names.
         */
        private Optional<Path> secrets(ObjectNode wrangler) {
            Path devVars = directory.resolve(".dev.vars");
            Path dotEnv = directory.resolve(".env");
            Path source = Files.isRegularFile(devVars) ? devVars : Files.isRegularFile(dotEnv) ? dotEnv : null;
            if (source == null) {
                return Optional.empty();
            }
            Map<String, String> values;
            try {
                values = dotenv(source);
            } catch (IOException e) {
                errors.add(new ConfigError(source, 0, "cannot read the file: " + e));
                return Optional.of(source);
            }
            ObjectNode vars = wrangler.path("vars").isObject() ? (ObjectNode) wrangler.get("vars")
                    : wrangler.putObject("vars");
            values.forEach(vars::put);
            return Optional.of(source);
        }

        /** {@code NAME=value} lines; {@code #} comments, {@code export}, quotes and {@code \n} in double quotes. */
        private Map<String, String> dotenv(Path source) throws IOException {
            Map<String, String> values = new LinkedHashMap<>();
            List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("export ")) {
                    line = line.substring("export ".length()).strip();
                }
                int equals = line.indexOf('=');
                if (equals <= 0 || !BINDING.matcher(line.substring(0, equals).strip()).matches()) {
                    errors.add(new ConfigError(source, i + 1, "expected NAME=value, found '" + lines.get(i) + "'"));
                    continue;
                }
                String value = line.substring(equals + 1).strip();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1).replace("\\n", "\n").replace("\\\"", "\"");
                } else if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
                    value = value.substring(1, value.length() - 1);
                } else {
                    int comment = value.indexOf(" #");
                    value = comment >= 0 ? value.substring(0, comment).strip() : value;
                }
                values.put(line.substring(0, equals).strip(), value);
            }
            return values;
        }

        private static boolean isTextList(JsonNode list) {
            for (JsonNode item : list) {
                if (!item.isTextual()) {
                    return false;
                }
            }
            return true;
        }

        private static String text(ObjectNode node, String key, String otherwise) {
            return node.path(key).isTextual() ? node.get(key).asText() : otherwise;
        }

        private void error(String pointer, String message) {
            errors.add(new ConfigError(file, tree.line(pointer), message));
        }

        private void warn(String pointer, String message) {
            warnings.add(new ConfigError(file, tree.line(pointer), message));
        }
    }
}
