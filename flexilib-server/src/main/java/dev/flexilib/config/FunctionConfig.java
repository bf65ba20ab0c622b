package dev.flexilib.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One AWS Lambda function as a {@code lambda:FILE.json} route names it, with the
 * settings' names and limits from Lambda's own API and SAM: {@code FunctionName},
 * {@code Runtime}, {@code Handler}, {@code CodeUri}, {@code Timeout} (s),
 * {@code MemorySize} (MB), {@code Environment.Variables}, {@code PayloadFormatVersion}
 * and {@code ReservedConcurrentExecutions}.
 *
 * @param file         the settings file
 * @param name         FunctionName (default: the file's name without .json)
 * @param runtime      Runtime: {@code provided*} (an executable {@code bootstrap}) or {@code java*}
 * @param handler      Handler: for Java {@code pkg.Class::method} or {@code pkg.Class}; passed on as {@code _HANDLER}
 * @param code         CodeUri, resolved against the file's directory: a directory, a JAR or a .zip
 * @param timeout      Timeout: an invocation running longer fails and its environment is replaced
 * @param memoryMb     MemorySize: an environment using more is stopped (and a Java heap is sized from it)
 * @param environment  Environment.Variables, in file order
 * @param payloadFormat PayloadFormatVersion: "2.0" (HTTP API, the default) or "1.0" (REST API)
 * @param concurrency  ReservedConcurrentExecutions: environments at most; more requests at once get 429
 * @param warnings     settings recognised but not emulated
 */
public record FunctionConfig(Path file, String name, String runtime, String handler, Path code, Duration timeout,
                             int memoryMb, Map<String, String> environment, String payloadFormat, int concurrency,
                             List<ConfigError> warnings) {

    public static final int DEFAULT_CONCURRENCY = 10;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z][A-Za-z0-9_]+");
    private static final Pattern JAVA_HANDLER = Pattern.compile(
            "[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}.$]*(::[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*)?");
    private static final Set<String> RUNTIMES = Set.of("provided", "provided.al2", "provided.al2023",
            "java8", "java8.al2", "java11", "java17", "java21", "java25");
    /** Lambda sets these itself and refuses a function that sets them. */
    private static final Set<String> RESERVED = Set.of("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR");
    private static final Set<String> SETTINGS = Set.of("FunctionName", "Runtime", "Handler", "CodeUri", "Timeout",
            "MemorySize", "Environment", "PayloadFormatVersion", "ReservedConcurrentExecutions");
    /** Lambda and SAM settings that say nothing a local run can act on: reported, not refused. */
    private static final Set<String> NOT_EMULATED = Set.of("Description", "Role", "Policies", "Layers",
            "Architectures", "Tracing", "VpcConfig", "KmsKeyArn", "DeadLetterQueue", "DeadLetterConfig",
            "EphemeralStorage", "AutoPublishAlias", "Tags", "PackageType", "ImageUri", "FunctionUrlConfig",
            "LoggingConfig", "SnapStart", "RuntimeManagementConfig", "ProvisionedConcurrencyConfig", "Events");

    public FunctionConfig {
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        warnings = List.copyOf(warnings);
    }

    /** Whether the function runs on AWS's Java runtime interface client (else: its own {@code bootstrap}). */
    public boolean java() {
        return runtime.startsWith("java");
    }

    /** Reads {@code file}; throws {@link ConfigException} with every error, each at its line. */
    public static FunctionConfig read(Path file) {
        Reader reader = new Reader(file, file.getFileName().toString().replaceFirst("\\.json$", ""));
        reader.parse();
        return reader.read();
    }

    /**
     * A function described elsewhere (a SAM template's resource): its settings under
     * Lambda's names, each with its line in {@code file}, with {@code name} as the
     * default FunctionName; a setting of another name is reported, not refused.
     */
    static FunctionConfig of(Path file, String name, Map<String, JsonNode> settings, Map<String, Integer> lines) {
        Reader reader = new Reader(file, name);
        settings.forEach((setting, value) -> reader.take(setting, value, lines.getOrDefault(setting, 0), false));
        return reader.read();
    }

    private static final class Reader {
        private final Path file;
        private final String defaultName;
        private final List<ConfigError> errors = new ArrayList<>();
        private final List<ConfigError> warnings = new ArrayList<>();
        private final Map<String, JsonNode> values = new LinkedHashMap<>();
        private final Map<String, Integer> lines = new LinkedHashMap<>();

        Reader(Path file, String defaultName) {
            this.file = file;
            this.defaultName = defaultName;
        }

        /** One setting: kept if it is one of Lambda's, reported if not ({@code strict}: as an error). */
        void take(String setting, JsonNode value, int line, boolean strict) {
            if (SETTINGS.contains(setting)) {
                values.put(setting, value);
                lines.put(setting, line);
            } else if (NOT_EMULATED.contains(setting) || !strict) {
                warnings.add(new ConfigError(file, line, setting + " is not emulated by flexilib; ignored"));
            } else {
                errors.add(new ConfigError(file, line, "unknown setting '" + setting + "': expected one of "
                        + String.join(", ", SETTINGS.stream().sorted().toList())));
            }
        }

        FunctionConfig read() {
            String runtime = text("Runtime", null);
            if (runtime != null && !RUNTIMES.contains(runtime)) {
                error("Runtime", "runtime '" + runtime + "' is not one flexilib runs: expected provided, "
                        + "provided.al2, provided.al2023 (a bootstrap, in any language) or java8.al2, java11, java17, "
                        + "java21, java25; other languages run on provided, with their runtime interface client "
                        + "started by the bootstrap");
            }
            String name = text("FunctionName", defaultName);
            if (!NAME.matcher(name).matches()) {
                error("FunctionName", "FunctionName '" + name + "' is not a Lambda function name: 1 to 64 letters, "
                        + "digits, '-' or '_'");
            }
            String handler = text("Handler", "");
            if (runtime != null && runtime.startsWith("java") && !JAVA_HANDLER.matcher(handler).matches()) {
                error("Handler", "a Java function's Handler is 'package.Class::method' or 'package.Class', found '"
                        + handler + "'");
            }
            Path code = code();
            int timeout = number("Timeout", 3, 1, 900);
            int memory = number("MemorySize", 128, 128, 10_240);
            int concurrency = number("ReservedConcurrentExecutions", DEFAULT_CONCURRENCY, 1, 1000);
            String format = text("PayloadFormatVersion", "2.0");
            if (!format.equals("2.0") && !format.equals("1.0")) {
                error("PayloadFormatVersion", "PayloadFormatVersion is \"2.0\" (HTTP API) or \"1.0\" (REST API), "
                        + "found '" + format + "'");
            }
            Map<String, String> environment = environment();
            if (runtime == null && !lines.containsKey("Runtime")) {
                errors.add(new ConfigError(file, 0, "Runtime is missing" + (defaultName.isEmpty() ? "" : " (" + defaultName
                        + ")") + ": expected provided, provided.al2, provided.al2023 or a java runtime"));
            }
            if (!errors.isEmpty()) {
                throw new ConfigException(errors);
            }
            return new FunctionConfig(file, name, runtime, handler, code, Duration.ofSeconds(timeout), memory,
                    environment, format, concurrency, warnings);
        }

        /** Reads the top-level object, noting the line of each setting. */
        void parse() {
            try (JsonParser parser = new JsonFactory().createParser(file.toFile())) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    throw new ConfigException(List.of(new ConfigError(file, line(parser),
                            "expected a JSON object of function settings")));
                }
                ObjectMapper mapper = new ObjectMapper();
                for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                    String setting = parser.currentName();
                    int line = line(parser);
                    parser.nextToken();
                    take(setting, mapper.readTree(parser), line, true);
                }
            } catch (JsonProcessingException e) {
                throw new ConfigException(List.of(new ConfigError(file, e.getLocation() == null ? 0
                        : e.getLocation().getLineNr(), "not valid JSON: " + e.getOriginalMessage())));
            } catch (IOException e) {
                throw new ConfigException(List.of(new ConfigError(file, 0, "cannot read the file: " + e)));
            }
        }

        private static int line(JsonParser parser) {
            return parser.currentTokenLocation().getLineNr();
        }

        private String text(String setting, String fallback) {
            JsonNode value = values.get(setting);
            if (value == null) {
                return fallback;
            }
            if (!value.isTextual()) {
                error(setting, setting + " must be a string");
                return fallback;
            }
            return value.asText();
        }

        private int number(String setting, int fallback, int min, int max) {
            JsonNode value = values.get(setting);
            if (value == null) {
                return fallback;
            }
            if (!value.canConvertToExactIntegral() || value.asLong() < min || value.asLong() > max) {
                error(setting, setting + " must be a whole number from " + min + " to " + max + ", found " + value);
                return fallback;
            }
            return value.asInt();
        }

        private Path code() {
            String uri = text("CodeUri", ".");
            try {
                Path code = file.toAbsolutePath().getParent().resolve(uri).normalize();
                if (!Files.exists(code)) {
                    warnings.add(new ConfigError(file, lines.getOrDefault("CodeUri", 0), "the code " + code
                            + " does not exist yet; the function answers 500 until it appears"));
                }
                return code;
            } catch (InvalidPathException e) {
                error("CodeUri", "CodeUri '" + uri + "' is not a path: " + e.getReason());
                return file.toAbsolutePath().getParent();
            }
        }

        private Map<String, String> environment() {
            JsonNode value = values.get("Environment");
            Map<String, String> variables = new LinkedHashMap<>();
            if (value == null) {
                return variables;
            }
            JsonNode map = value.get("Variables");
            if (!value.isObject() || map == null || !map.isObject()) {
                error("Environment", "Environment must be {\"Variables\": {\"NAME\": \"value\", ...}}");
                return variables;
            }
            map.properties().forEach(entry -> {
                if (!VARIABLE.matcher(entry.getKey()).matches()) {
                    error("Environment", "'" + entry.getKey() + "' is not a Lambda environment variable name: a "
                            + "letter, then letters, digits or '_'");
                } else if (RESERVED.contains(entry.getKey())) {
                    error("Environment", entry.getKey() + " is reserved: Lambda sets it itself");
                } else if (entry.getValue().isContainerNode()) {
                    error("Environment", "the value of " + entry.getKey() + " must be a string");
                } else {
                    variables.put(entry.getKey(), entry.getValue().asText());
                }
            });
            return variables;
        }

        private void error(String setting, String message) {
            errors.add(new ConfigError(file, lines.getOrDefault(setting, 0), message));
        }
    }
}
