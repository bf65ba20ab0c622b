package dev.flexilib.plugin.lambda;

import dev.flexilib.Handled;
import dev.flexilib.Header;
import dev.flexilib.Request;
import dev.flexilib.Response;
import dev.flexilib.http.RequestHandler;
import dev.flexilib.plugin.lambda.Outcome.Cause;
import dev.flexilib.plugin.lambda.Outcome.Failure;
import dev.flexilib.proxy.ProxyTarget;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lambda's Runtime API (2018-06-01) for one execution environment, on a loopback
 * port only its runtime is told: {@code GET /runtime/invocation/next} (a long
 * poll), {@code POST /runtime/invocation/{id}/response} and {@code /error}, and
 * {@code POST /runtime/init/error}, with the statuses and error bodies AWS gives:
 * 202 {@code {"status":"OK"}}; 400 {@code InvalidRequestID} for an id that is not
 * the current invocation's; 403 {@code InvalidStateTransition} for a second answer
 * or an init error after the first {@code /next}; 413 for a response over 6 MB.
 * Every answer carries a Content-Type: AWS's Java runtime client crashes without one.
 */
final class RuntimeApi implements RequestHandler {
    /** The largest response a function may give: 6 MiB and 100 bytes, as Lambda counts it. */
    static final int MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;
    /**
     * The largest response read at all, to answer it with Lambda's 413: larger ones are
     * refused by the connection (a plain 413), which AWS's runtime clients report as
     * the invocation's error as well.
     */
    static final int MAX_READ_BYTES = 16 * 1024 * 1024;

    private static final String PREFIX = "/2018-06-01/runtime/";
    private static final Pattern ANSWER = Pattern.compile("invocation/([^/]*)/(response|error)");
    private static final Response ACCEPTED = json(202, "{\"status\":\"OK\"}");

    private final Environment environment;

    RuntimeApi(Environment environment) {
        this.environment = environment;
    }

    @Override
    public Optional<CompletionStage<ProxyTarget>> proxyFor(Request head) {
        return Optional.empty();
    }

    @Override
    public boolean proxies() {
        return false;
    }

    @Override
    public Runnable handle(Request request, Consumer<Handled> done) {
        String target = request.target();
        String path = target.startsWith(PREFIX) ? target.substring(PREFIX.length()) : null;
        if (path != null && path.equals("invocation/next") && request.method().equals("GET")) {
            Optional<Response> now = environment.next(done);
            if (now.isPresent()) {
                done.accept(Handled.of(now.get()));
                return () -> { };
            }
            return () -> environment.stopWaiting(done);
        }
        done.accept(Handled.of(answer(request, path)));
        return () -> { };
    }

    private Response answer(Request request, String path) {
        if (path == null || !request.method().equals("POST")) {
            return error(404, "NotFound", "No such Runtime API resource: " + request.method() + " " + request.target());
        }
        if (path.equals("init/error")) {
            String type = errorType(request);
            return environment.initFailed(type, request.body().toArray()) ? ACCEPTED
                    : transition("InitError");
        }
        Matcher answer = ANSWER.matcher(path);
        if (!answer.matches()) {
            return error(404, "NotFound", "No such Runtime API resource: POST " + request.target());
        }
        String requestId = answer.group(1);
        boolean response = answer.group(2).equals("response");
        if (!environment.isCurrent(requestId)) {
            return error(400, "InvalidRequestID", "Invalid request ID");
        }
        String state = environment.stateName();
        Outcome outcome = response ? result(request, requestId) : failure(request);
        if (!response && environment.refusedAsTooLarge(requestId)) {
            return ACCEPTED; // AWS's runtime clients report a 413 as the invocation's error: it has one already
        }
        if (!environment.answer(requestId, outcome)) {
            return transition(state, response ? "InvocationResponse" : "InvocationErrorResponse");
        }
        return outcome instanceof Failure failure && failure.cause() == Cause.RESPONSE_TOO_LARGE
                ? error(413, "RequestEntityTooLarge", "Exceeded maximum allowed payload size ("
                + MAX_RESPONSE_BYTES + " bytes).")
                : ACCEPTED;
    }

    private static Outcome result(Request request, String requestId) {
        if (request.body().length() > MAX_RESPONSE_BYTES) {
            return new Failure(Json.error("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum "
                    + "allowed payload size (" + MAX_RESPONSE_BYTES + " bytes)."), "Function.ResponseSizeTooLarge",
                    Cause.RESPONSE_TOO_LARGE);
        }
        return new Outcome.Result(request.body().toArray(),
                request.header("content-type").orElse("application/json"));
    }

    private static Outcome failure(Request request) {
        return new Failure(request.body().toArray(), errorType(request), Cause.FUNCTION);
    }

    /**
     * The runtime's {@code Lambda-Runtime-Function-Error-Type}, kept if it has Lambda's
     * form ({@code Runtime.X} or {@code Function.X}), otherwise {@code Runtime.Unknown}.
     */
    private static String errorType(Request request) {
        String type = request.header("lambda-runtime-function-error-type").orElse("");
        if (type.matches("(Runtime|Function)\\.[A-Z][a-zA-Z]+")) {
            return type;
        }
        return type.startsWith("Function.") ? "Function.Unknown" : "Runtime.Unknown";
    }

    private Response transition(String to) {
        return transition(environment.stateName(), to);
    }

    private static Response transition(String from, String to) {
        return error(403, "InvalidStateTransition", "State transition from " + from + " to " + to
                + " failed for runtime. Error: State transition is not allowed");
    }

    /** The answer to {@code /next} that hands {@code invocation} to the runtime. */
    static Response event(Invocation invocation, Function function) {
        List<Header> headers = new ArrayList<>(List.of(
                new Header("Content-Type", "application/json"),
                new Header("Lambda-Runtime-Aws-Request-Id", invocation.requestId),
                new Header("Lambda-Runtime-Deadline-Ms", Long.toString(invocation.deadlineEpochMillis)),
                new Header("Lambda-Runtime-Invoked-Function-Arn", function.arn()),
                new Header("Lambda-Runtime-Trace-Id", invocation.traceId)));
        invocation.clientContext.ifPresent(context -> headers.add(new Header("Lambda-Runtime-Client-Context", context)));
        return new Response(200, "", headers, invocation.event);
    }

    private static Response error(int status, String type, String message) {
        return new Response(status, "", List.of(new Header("Content-Type", "application/json")), Json.error(type, message));
    }

    private static Response json(int status, String body) {
        return new Response(status, "", List.of(new Header("Content-Type", "application/json")),
                body.getBytes(StandardCharsets.UTF_8));
    }
}
