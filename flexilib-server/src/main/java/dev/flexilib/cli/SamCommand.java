package dev.flexilib.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flexilib sam [TEMPLATE]}: serves an AWS SAM application's API routes as
 * {@code sam local start-api} does, with its options' names and defaults, and
 * Lambda's Invoke API for every function as {@code sam local start-lambda}
 * does. It serves the template as the one route {@code / = lambda:TEMPLATE}; the
 * options become the server's settings (see the README's table).
 */
@Command(name = "sam", mixinStandardHelpOptions = true,
        description = "Serves an AWS SAM application's API routes (as 'sam local start-api' does, without Docker or "
                + "'sam build'), reloading a function when its code is rebuilt and the routes when the template changes.")
final class SamCommand implements Callable<Integer> {
    /**
     * Where to look for a template when given none: the SAM CLI's places, the one the
     * user edits first (each function's code is found in its build either way).
     */
    static final List<String> DEFAULT_TEMPLATES = List.of("template.yaml", "template.yml", "template.json",
            ".aws-sam/build/template.yaml");

    enum Warm { EAGER, LAZY }

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "TEMPLATE",
            description = "the SAM template (default: the first of template.yaml, template.yml, template.json, "
                    + ".aws-sam/build/template.yaml in the current directory)")
    Path positionalTemplate;

    @Option(names = {"-t", "--template", "--template-file"}, paramLabel = "TEMPLATE",
            description = "the SAM template, as the SAM CLI names it")
    Path template;

    @Option(names = "--parameter-overrides", paramLabel = "Name=Value", arity = "1..*",
            description = "template parameters: 'Stage=dev Table=items' or ParameterKey=Stage,ParameterValue=dev")
    List<String> parameterOverrides = List.of();

    @Option(names = {"-n", "--env-vars"}, paramLabel = "FILE",
            description = "a JSON file of environment values: {\"Function\": {\"NAME\": \"value\"}, "
                    + "\"Parameters\": {\"NAME\": \"value\"}}")
    Path envVars;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "3000",
            description = "the port to listen on (default: ${DEFAULT-VALUE}, as sam local start-api)")
    int port;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "the address to listen on (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--warm-containers", paramLabel = "EAGER|LAZY", defaultValue = "EAGER",
            description = "EAGER: every function's runtime starts before the first request (the default); LAZY: at "
                    + "the application's first request. Either way runtimes stay warm between requests.")
    Warm warm;

    @Option(names = "--no-supervisor", description = "serve in this process, without a supervisor")
    boolean noSupervisor;

    @Override
    public Integer call() throws InterruptedException {
        if (positionalTemplate != null && template != null) {
            throw new ParameterException(spec.commandLine(), "give the template once: as TEMPLATE or as --template");
        }
        Path file = positionalTemplate != null ? positionalTemplate : template != null ? template : defaultTemplate();
        if (!Files.isRegularFile(file)) {
            throw new ParameterException(spec.commandLine(), "no SAM template at " + file);
        }
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("PORT", Integer.toString(port));
        environment.put("LISTEN_ADDRESS", host);
        environment.put("FLEXILIB_PRELOAD", warm == Warm.EAGER ? "1" : "0");
        if (!parameterOverrides.isEmpty()) {
            environment.put("FLEXILIB_SAM_PARAMETERS", String.join(" ", parameterOverrides));
        }
        if (envVars != null) {
            environment.put("FLEXILIB_SAM_ENV_VARS", envVars.toAbsolutePath().toString());
        }
        return ServeCommand.serve(file, noSupervisor, false, environment);
    }

    private Path defaultTemplate() {
        return DEFAULT_TEMPLATES.stream().map(Path::of).filter(Files::isRegularFile).findFirst()
                .orElseThrow(() -> new ParameterException(spec.commandLine(), "no SAM template here: looked for "
                        + String.join(", ", DEFAULT_TEMPLATES)));
    }
}
