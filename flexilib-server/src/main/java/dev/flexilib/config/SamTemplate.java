package dev.flexilib.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * An AWS SAM application as {@code sam local start-api} reads it: the template
 * (YAML or JSON, short-form intrinsics included) with its {@code Parameters}
 * (defaults, then overrides), {@code Globals.Function} merged into every
 * function, intrinsic functions evaluated, and each {@code AWS::Serverless::Function}
 * (or {@code AWS::Lambda::Function}) with its {@code Api} and {@code HttpApi}
 * events. What cannot be emulated — other resource types, other event types,
 * settings such as {@code Policies} — is a warning, reported once; what makes a
 * function unrunnable is an error at its line.
 *
 * @param file      the template
 * @param functions its functions, in template order
 * @param warnings  what is not emulated
 */
public record SamTemplate(Path file, List<Function> functions, List<ConfigError> warnings) {

    /** A function of the template and the API routes that invoke it. */
    public record Function(String logicalId, FunctionConfig config, List<Route> routes) {}

    /**
     * An API the routes are on: SAM's implicit {@code ServerlessRestApi} (stage {@code Prod})
     * and {@code ServerlessHttpApi} (stage {@code $default}), or an
     * {@code AWS::Serverless::Api} / {@code AWS::Serverless::HttpApi} of the template;
     * with its {@code Globals.Api} / {@code Globals.HttpApi} settings under its own.
     *
     * @param binaryMediaTypes a REST API's {@code BinaryMediaTypes}: request bodies of these types reach
     *                         the function base64-encoded
     * @param stageVariables   its stage's variables ({@code Variables}, an HTTP API's {@code StageVariables})
     */
    public record Api(String logicalId, boolean rest, String stage, List<String> binaryMediaTypes,
                      Map<String, String> stageVariables) {
        public Api {
            binaryMediaTypes = List.copyOf(binaryMediaTypes);
            stageVariables = Map.copyOf(stageVariables);
        }
    }

    /**
     * One event: on {@code api}, {@code method} upper case ({@code ANY} for any), {@code path} a
     * template such as {@code /items/{id}} or {@code /files/{proxy+}}, or {@code $default}
     * for an HttpApi event without one; {@code payloadFormat} {@code 1.0} for every REST
     * route, {@code 2.0} for HTTP API routes unless their event says {@code PayloadFormatVersion: "1.0"}.
     */
    public record Route(Api api, String method, String path, String payloadFormat) {
        /** The event's type as the template names it. */
        public String type() {
            return api.rest() ? "Api" : "HttpApi";
        }

        public boolean rest() {
            return api.rest();
        }
    }

    /** Whether some route is on a REST API: then a request no route takes is answered as REST APIs answer it (403). */
    public boolean restApi() {
        return functions.stream().flatMap(function -> function.routes().stream()).anyMatch(Route::rest);
    }

    /** The values of SAM CLI's {@code --env-vars} file: per function logical id, and {@code Parameters} for all. */
    public record EnvVars(Map<String, Map<String, String>> byFunction, Map<String, String> forAll) {
        public static final EnvVars NONE = new EnvVars(Map.of(), Map.of());

        /** Reads the SAM CLI's JSON shape: {@code {"Fn": {"NAME": "value"}, "Parameters": {"NAME": "value"}}}. */
        public static EnvVars read(Path file) {
            try {
                JsonNode root = new ObjectMapper().readTree(file.toFile());
                Map<String, Map<String, String>> byFunction = new LinkedHashMap<>();
                Map<String, String> forAll = new LinkedHashMap<>();
                root.properties().forEach(entry -> {
                    Map<String, String> variables = new LinkedHashMap<>();
                    entry.getValue().properties().forEach(variable -> variables.put(variable.getKey(),
                            variable.getValue().asText()));
                    if (entry.getKey().equals("Parameters")) {
                        forAll.putAll(variables);
                    } else {
                        byFunction.put(entry.getKey(), variables);
                    }
                });
                return new EnvVars(byFunction, forAll);
            } catch (IOException e) {
                throw new ConfigException(List.of(new ConfigError(file, 0, "cannot read the --env-vars file: "
                        + e.getMessage())));
            }
        }
    }

    /**
     * What templates are read with: the SAM CLI's {@code --parameter-overrides}, and
     * its {@code --env-vars} file (read at each reading of the template, so that
     * a change to it takes effect with the template's next reload).
     */
    public record Overrides(Map<String, String> parameters, Optional<Path> envVars) {
        public static final Overrides NONE = new Overrides(Map.of(), Optional.empty());

        public Overrides {
            parameters = Map.copyOf(parameters);
        }

        /** Reads {@code template} with these overrides; throws {@link ConfigException}. */
        public SamTemplate read(Path template) {
            return SamTemplate.read(template, parameters, envVars.map(EnvVars::read).orElse(EnvVars.NONE));
        }
    }

    static final String IMPLICIT_REST = "ServerlessRestApi";
    static final String IMPLICIT_HTTP = "ServerlessHttpApi";
    static final String TRANSFORM = "AWS::Serverless-2016-10-31";
    private static final Set<String> FUNCTION_TYPES = Set.of("AWS::Serverless::Function", "AWS::Lambda::Function");
    private static final Set<String> API_TYPES = Set.of("AWS::Serverless::Api", "AWS::Serverless::HttpApi");
    /** What an API's settings can say that flexilib does not do: each is reported once. */
    private static final Set<String> API_NOT_EMULATED = Set.of("Auth", "Cors", "CorsConfiguration", "DefinitionBody",
            "DefinitionUri", "Domain", "GatewayResponses", "FailOnWarnings", "DisableExecuteApiEndpoint");
    /** A SAM function's properties that are Lambda's own settings; the rest are SAM's (Events) or not emulated. */
    private static final Set<String> PASSED = Set.of("FunctionName", "Runtime", "Handler", "Timeout",
            "MemorySize", "Environment", "ReservedConcurrentExecutions");

    /** Properties that change nothing locally, or that the reader handles itself. */
    private static final Set<String> QUIET = Set.of("CodeUri", "Code", "Events", "PackageType", "Description", "Tags");

    public SamTemplate {
        functions = List.copyOf(functions);
        warnings = List.copyOf(warnings);
    }

    /** Whether {@code file} is a SAM (or CloudFormation) template rather than one function's settings. */
    public static boolean isTemplate(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return true;
        }
        if (!name.endsWith(".json") || !Files.isRegularFile(file)) {
            return false;
        }
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            return root.has("Resources") || root.has("AWSTemplateFormatVersion") || root.has("Transform");
        } catch (IOException e) {
            return false; // its reader reports what is wrong with it
        }
    }

    /** Reads {@code file} with these parameter values and environment overrides; throws {@link ConfigException}. */
    public static SamTemplate read(Path file, Map<String, String> parameterOverrides, EnvVars envVars) {
        return new Reader(file, CloudFormationYaml.read(file), parameterOverrides, envVars).read();
    }

    private static final class Reader {
        private final Path file;
        private final LocatedTree template;
        private final JsonNode root;
        private final Map<String, String> overrides;
        private final EnvVars envVars;
        private final List<ConfigError> errors = new ArrayList<>();
        private final Set<String> warned = new LinkedHashSet<>();
        private final List<ConfigError> warnings = new ArrayList<>();
        private final Map<String, Api> apis = new LinkedHashMap<>();

        Reader(Path file, LocatedTree template, Map<String, String> overrides, EnvVars envVars) {
            this.file = file;
            this.template = template;
            this.root = template.root();
            this.overrides = overrides;
            this.envVars = envVars;
        }

        SamTemplate read() {
            if (!root.path("Transform").toString().contains(TRANSFORM) && !root.has("Resources")) {
                error("/Transform", "not a SAM template: no Resources, and no Transform " + TRANSFORM);
            }
            Map<String, String> references = references();
            Map<String, String> attributes = new LinkedHashMap<>();
            JsonNode resources = root.path("Resources");
            resources.properties().forEach(resource -> {
                if (FUNCTION_TYPES.contains(resource.getValue().path("Type").asText())) {
                    // a name made of parameters (!Sub "${Stage}-orders") is known before anything refers to it
                    JsonNode declared = resource.getValue().path("Properties").path("FunctionName");
                    JsonNode resolved = declared.isMissingNode() ? declared : new Intrinsics(references, Map.of(),
                            root.path("Conditions"), root.path("Mappings"), what -> {}).resolve(declared);
                    String name = resolved.isTextual() ? resolved.asText() : resource.getKey();
                    references.put(resource.getKey(), name);
                    attributes.put(resource.getKey() + ".Arn", "arn:aws:lambda:" + references.get("AWS::Region") + ":"
                            + references.get("AWS::AccountId") + ":function:" + name);
                } else {
                    references.putIfAbsent(resource.getKey(), resource.getKey());
                }
            });
            Intrinsics intrinsics = new Intrinsics(references, attributes, root.path("Conditions"),
                    root.path("Mappings"), what -> warn("/Resources", "cannot evaluate " + what
                    + " locally: left as its name"));
            JsonNode globals = intrinsics.resolve(root.path("Globals").path("Function"));
            apis(intrinsics, resources);
            List<Function> functions = new ArrayList<>();
            resources.properties().forEach(resource -> {
                String id = resource.getKey();
                JsonNode node = resource.getValue();
                String type = node.path("Type").asText();
                if (node.has("Condition") && !intrinsics.condition(
                        new ObjectMapper().createObjectNode().put("Condition", node.get("Condition").asText()))) {
                    return; // not deployed under these parameters
                }
                if (FUNCTION_TYPES.contains(type)) {
                    function(id, type, intrinsics.resolve(merge(globals, node.path("Properties")))).ifPresent(functions::add);
                } else if (!API_TYPES.contains(type)) {
                    warn("/Resources/" + id, type + " (" + id + ") is not emulated by flexilib: its functions "
                            + "run, it does not exist");
                }
            });
            if (functions.isEmpty() && errors.isEmpty()) {
                error("/Resources", "the template has no AWS::Serverless::Function");
            }
            if (!errors.isEmpty()) {
                throw new ConfigException(errors);
            }
            return new SamTemplate(file, functions, warnings);
        }

        /** The implicit APIs and the template's own, by logical id. */
        private void apis(Intrinsics intrinsics, JsonNode resources) {
            JsonNode restGlobals = intrinsics.resolve(root.path("Globals").path("Api"));
            JsonNode httpGlobals = intrinsics.resolve(root.path("Globals").path("HttpApi"));
            apis.put(IMPLICIT_REST, api(IMPLICIT_REST, true, restGlobals, "/Globals/Api"));
            apis.put(IMPLICIT_HTTP, api(IMPLICIT_HTTP, false, httpGlobals, "/Globals/HttpApi"));
            resources.properties().forEach(resource -> {
                String type = resource.getValue().path("Type").asText();
                if (API_TYPES.contains(type)) {
                    boolean rest = type.equals("AWS::Serverless::Api");
                    JsonNode properties = intrinsics.resolve(merge(rest ? restGlobals : httpGlobals,
                            resource.getValue().path("Properties")));
                    apis.put(resource.getKey(), api(resource.getKey(), rest, properties,
                            "/Resources/" + resource.getKey() + "/Properties"));
                }
            });
        }

        private Api api(String id, boolean rest, JsonNode properties, String at) {
            properties.properties().forEach(property -> {
                if (API_NOT_EMULATED.contains(property.getKey())) {
                    warn(at + "/" + property.getKey(), id + ": " + property.getKey() + " is not emulated by flexilib"
                            + (property.getKey().startsWith("Definition") ? " (its routes are the functions' events)"
                            : "; ignored"));
                }
            });
            List<String> binary = new ArrayList<>();
            properties.path("BinaryMediaTypes").forEach(type -> binary.add(type.asText()));
            Map<String, String> variables = new LinkedHashMap<>();
            properties.path(rest ? "Variables" : "StageVariables").properties()
                    .forEach(variable -> variables.put(variable.getKey(), variable.getValue().asText()));
            String stage = properties.path("StageName").asText(rest ? "Prod" : "$default");
            return new Api(id, rest, stage, binary, variables);
        }

        /** Parameters (override, else default), then CloudFormation's pseudo parameters. */
        private Map<String, String> references() {
            Map<String, String> references = new LinkedHashMap<>();
            root.path("Parameters").properties().forEach(parameter -> {
                String name = parameter.getKey();
                String value = overrides.containsKey(name) ? overrides.get(name)
                        : parameter.getValue().has("Default") ? parameter.getValue().get("Default").asText() : null;
                JsonNode allowed = parameter.getValue().path("AllowedValues");
                if (value == null) {
                    error("/Parameters/" + name, "parameter " + name + " has no Default: give it a value with "
                            + "--parameter-overrides " + name + "=...");
                } else if (allowed.isArray() && !allowed.isEmpty() && StreamSupport
                        .stream(allowed.spliterator(), false).noneMatch(option -> option.asText().equals(value))) {
                    error("/Parameters/" + name, "parameter " + name + " is '" + value + "', not one of its "
                            + "AllowedValues " + allowed);
                } else {
                    references.put(name, value);
                }
            });
            overrides.keySet().stream().filter(name -> !references.containsKey(name))
                    .forEach(name -> warn("/Parameters", "--parameter-overrides names " + name
                            + ", which the template does not declare"));
            String region = Optional.ofNullable(System.getenv("AWS_REGION")).orElse("us-east-1");
            references.put(IMPLICIT_REST, IMPLICIT_REST);
            references.put(IMPLICIT_HTTP, IMPLICIT_HTTP);
            references.put("AWS::Region", region);
            references.put("AWS::AccountId", "123456789012");
            references.put("AWS::Partition", "aws");
            references.put("AWS::URLSuffix", "amazonaws.com");
            String stack = file.toAbsolutePath().getParent().getFileName() == null ? "sam-app"
                    : file.toAbsolutePath().getParent().getFileName().toString();
            references.put("AWS::StackName", stack);
            references.put("AWS::StackId", "arn:aws:cloudformation:" + region + ":123456789012:stack/" + stack + "/local");
            return references;
        }

        /** Globals.Function under a function's own properties; environment variables merged. */
        private static JsonNode merge(JsonNode globals, JsonNode properties) {
            ObjectNode merged = globals.isObject() ? ((ObjectNode) globals).deepCopy() : new ObjectMapper().createObjectNode();
            properties.properties().forEach(property -> {
                if (property.getKey().equals("Environment") && merged.path("Environment").path("Variables").isObject()
                        && property.getValue().path("Variables").isObject()) {
                    ObjectNode variables = ((ObjectNode) merged.get("Environment").get("Variables")).deepCopy();
                    variables.setAll((ObjectNode) property.getValue().get("Variables"));
                    merged.putObject("Environment").set("Variables", variables);
                } else {
                    merged.set(property.getKey(), property.getValue());
                }
            });
            return merged;
        }

        private Optional<Function> function(String id, String type, JsonNode properties) {
            String at = "/Resources/" + id + "/Properties";
            if (properties.path("PackageType").asText().equals("Image")) {
                error(at + "/PackageType", id + " is a container image function: flexilib runs zip and JAR code only");
                return Optional.empty();
            }
            JsonNode codeUri = type.equals("AWS::Lambda::Function") ? properties.path("Code") : properties.path("CodeUri");
            if (!codeUri.isMissingNode() && !codeUri.isTextual()) {
                error(at + (type.equals("AWS::Lambda::Function") ? "/Code" : "/CodeUri"), id + "'s code is not a local "
                        + "path (S3 or inline code cannot be run locally): give CodeUri a directory, JAR or .zip");
                return Optional.empty();
            }
            Map<String, JsonNode> settings = new LinkedHashMap<>();
            Map<String, Integer> lines = new LinkedHashMap<>();
            properties.properties().forEach(property -> {
                String name = property.getKey();
                lines.put(name, template.line(at + "/" + name));
                if (PASSED.contains(name)) {
                    settings.put(name, property.getValue());
                } else if (name.equals("Architectures")) {
                    architectures(id, at + "/" + name, property.getValue());
                } else if (!QUIET.contains(name)) {
                    warn(at + "/" + name, id + ": " + name + " is not emulated by flexilib; ignored");
                }
            });
            String runtime = properties.path("Runtime").asText("");
            Path code = code(id, codeUri.asText("."), runtime.startsWith("java"));
            settings.put("CodeUri", new ObjectMapper().getNodeFactory().textNode(code.toString()));
            lines.put("CodeUri", template.line(at + "/CodeUri"));
            environment(id, settings);
            List<Route> routes = routes(id, properties.path("Events"));
            try {
                return Optional.of(new Function(id, FunctionConfig.of(file, id, settings, lines), routes));
            } catch (ConfigException e) {
                e.errors().forEach(error -> errors.add(new ConfigError(error.file(), error.line(), id + ": "
                        + error.message())));
                return Optional.empty();
            }
        }

        /**
         * Where the code is: for a Java function whose CodeUri is a Maven project, its
         * newest {@code target/*.jar}; else CodeUri itself if it can run as it is (a JAR,
         * a .zip, or a directory with a {@code bootstrap} or classes), else its
         * {@code .aws-sam/build/ID} from a {@code sam build}; else CodeUri, whose load says what is missing.
         */
        private Path code(String id, String codeUri, boolean java) {
            Path base = file.toAbsolutePath().getParent();
            Path code = base.resolve(codeUri).normalize();
            if (java && Files.isDirectory(code.resolve("target"))) {
                try (Stream<Path> jars = Files.list(code.resolve("target"))) {
                    Optional<Path> jar = jars.filter(path -> path.getFileName().toString().endsWith(".jar")
                                    && !path.getFileName().toString().startsWith("original-"))
                            .max(Comparator.comparing(path -> path.toFile().lastModified()));
                    if (jar.isPresent()) {
                        return jar.get();
                    }
                } catch (IOException e) {
                    // no JAR to be found: look further
                }
            }
            boolean runnable = !Files.isDirectory(code) || Files.exists(code.resolve("bootstrap"))
                    || (java && (Files.isDirectory(code.resolve("lib")) || hasClasses(code)));
            Path built = base.resolve(".aws-sam/build").resolve(id);
            return !runnable && Files.isDirectory(built) ? built : code;
        }

        /** Whether {@code directory} holds compiled classes at its top (as a built Lambda Java layout does). */
        private static boolean hasClasses(Path directory) {
            try (Stream<Path> files = Files.walk(directory, 4)) {
                return files.anyMatch(path -> path.getFileName().toString().endsWith(".class"));
            } catch (IOException e) {
                return false;
            }
        }

        /** A function for another architecture than this machine's runs on this one's: said once. */
        private void architectures(String id, String at, JsonNode architectures) {
            String here = System.getProperty("os.arch").equals("aarch64") ? "arm64" : "x86_64";
            architectures.forEach(architecture -> {
                if (!architecture.asText().equals(here)) {
                    warn(at, id + " is built for " + architecture.asText() + ": flexilib runs it on this machine's "
                            + here);
                }
            });
        }

        /** The SAM CLI's --env-vars: a value for a variable the function declares, by function or for all. */
        private void environment(String id, Map<String, JsonNode> settings) {
            JsonNode declared = settings.getOrDefault("Environment", new ObjectMapper().createObjectNode())
                    .path("Variables");
            if (!declared.isObject()) {
                return;
            }
            ObjectNode variables = ((ObjectNode) declared).deepCopy();
            Map<String, String> mine = envVars.byFunction().getOrDefault(id, Map.of());
            variables.properties().forEach(variable -> {
                String name = variable.getKey();
                String value = mine.containsKey(name) ? mine.get(name) : envVars.forAll().get(name);
                if (value != null) {
                    variable.setValue(variables.textNode(value));
                }
            });
            ObjectNode environment = new ObjectMapper().createObjectNode();
            environment.set("Variables", variables);
            settings.put("Environment", environment);
        }

        private List<Route> routes(String id, JsonNode events) {
            List<Route> routes = new ArrayList<>();
            events.properties().forEach(event -> {
                String at = "/Resources/" + id + "/Properties/Events/" + event.getKey();
                String type = event.getValue().path("Type").asText();
                JsonNode properties = event.getValue().path("Properties");
                if (!type.equals("Api") && !type.equals("HttpApi")) {
                    warn(at, id + ": the " + type + " event " + event.getKey() + " is not emulated: the function "
                            + "answers its API events (and the Invoke API) only");
                    return;
                }
                String path = properties.path("Path").asText(type.equals("HttpApi") ? "$default" : "");
                String method = properties.path("Method").asText(type.equals("HttpApi") ? "ANY" : "");
                if (!path.equals("$default") && !path.startsWith("/")) {
                    error(at + "/Properties/Path", id + ": the path of event " + event.getKey() + " must start with '/', "
                            + "found '" + path + "'");
                    return;
                }
                if (method.isEmpty()) {
                    error(at + "/Properties/Method", id + ": event " + event.getKey() + " has no Method");
                    return;
                }
                String apiField = type.equals("Api") ? "RestApiId" : "ApiId";
                String apiId = properties.path(apiField).asText(type.equals("Api") ? IMPLICIT_REST : IMPLICIT_HTTP);
                Api api = apis.get(apiId);
                if (api == null || api.rest() != type.equals("Api")) {
                    error(at + "/Properties/" + apiField, id + ": event " + event.getKey() + " names " + apiId
                            + ", which is not an " + (type.equals("Api") ? "AWS::Serverless::Api" : "AWS::Serverless::HttpApi")
                            + " of this template");
                    return;
                }
                if (properties.has("Auth")) {
                    warn(at + "/Properties/Auth", id + ": the Auth of event " + event.getKey() + " is not emulated: "
                            + "its requests are not authorised");
                }
                String format = type.equals("Api") ? "1.0" : properties.path("PayloadFormatVersion").asText("2.0");
                if (!format.equals("1.0") && !format.equals("2.0")) {
                    error(at + "/Properties/PayloadFormatVersion", id + ": PayloadFormatVersion must be \"1.0\" or "
                            + "\"2.0\", found '" + format + "'");
                    return;
                }
                String upper = method.toUpperCase(Locale.ROOT);
                routes.add(new Route(api, upper.equals("X-AMAZON-APIGATEWAY-ANY-METHOD") ? "ANY" : upper, path, format));
            });
            return routes;
        }

        private void error(String pointer, String message) {
            errors.add(new ConfigError(file, template.line(pointer), message));
        }

        private void warn(String pointer, String message) {
            if (warned.add(message)) {
                warnings.add(new ConfigError(file, template.line(pointer), message));
            }
        }
    }
}
