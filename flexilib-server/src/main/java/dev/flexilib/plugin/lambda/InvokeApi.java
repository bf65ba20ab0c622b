package dev.flexilib.plugin.lambda;

import dev.flexilib.Header;
import dev.flexilib.Request;
import dev.flexilib.Response;
import dev.flexilib.plugin.lambda.Outcome.Failure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lambda's Invoke API, {@code POST /2015-03-31/functions/{FunctionName}/invocations},
 * so that the AWS SDKs and CLI work against flexilib with an endpoint override:
 * {@code X-Amz-Invocation-Type} {@code RequestResponse} (200, the result),
 * {@code Event} (202, run in the background) or {@code DryRun} (204);
 * {@code X-Amz-Log-Type: Tail} (the invocation's last 4 KB of log, base64, in
 * {@code X-Amz-Log-Result}); a function error is a 200 with
 * {@code X-Amz-Function-Error: Unhandled}; service errors carry the
 * {@code x-amzn-ErrorType} header and JSON body the SDKs read.
 */
public final class InvokeApi {
    private static final Pattern PATH = Pattern.compile("/2015-03-31/functions/([^/?]+)/invocations(\\?.*)?");
    /** The largest payload of an asynchronous invocation: 1 MB. */
    private static final int MAX_EVENT_PAYLOAD = 1024 * 1024;

    private InvokeApi() {}

    /** The function an Invoke API request names (its name, or the last part of its ARN), if it is one. */
    public static Optional<String> functionName(Request request) {
        return functionName(request.method(), request.target());
    }

    /** As {@link #functionName(Request)}, for a request {@code method} {@code target}. */
    static Optional<String> functionName(String method, String target) {
        if (!method.equals("POST")) {
            return Optional.empty();
        }
        Matcher matcher = PATH.matcher(target);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        String name = ApiGateway.decode(matcher.group(1));
        int function = name.lastIndexOf("function:");
        if (function >= 0) {
            name = name.substring(function + "function:".length());
        }
        int qualifier = name.indexOf(':');
        return Optional.of(qualifier >= 0 ? name.substring(0, qualifier) : name);
    }

    /** The answer for an Invoke API request naming no configured function. */
    public static Response notFound(String name) {
        return serviceError(404, "ResourceNotFoundException", "{\"Type\":\"User\",\"Message\":"
                + Json.string("Function not found: " + Function.arn(name)) + "}");
    }

    static Response invoke(Function function, Request request) {
        String type = request.header("x-amz-invocation-type").orElse("RequestResponse");
        byte[] payload = request.body().toArray();
        int limit = type.equals("Event") ? MAX_EVENT_PAYLOAD : ApiGateway.MAX_EVENT_BYTES;
        if (payload.length > limit) {
            return serviceError(413, "RequestEntityTooLargeException", "{\"Type\":\"User\",\"message\":"
                    + Json.string("Request must be smaller than " + limit + " bytes for the InvokeFunction operation")
                    + "}");
        }
        if (payload.length > 0 && !isJson(payload)) {
            return serviceError(400, "InvalidRequestContentException",
                    "{\"Type\":\"User\",\"message\":\"Could not parse request body into json\"}");
        }
        Optional<String> clientContext = request.header("x-amz-client-context").map(InvokeApi::decodeContext);
        return switch (type) {
            case "DryRun" -> new Response(204, "", List.of(), new byte[0]);
            case "Event" -> {
                Thread.ofVirtual().name("flexilib-lambda-event-" + function.config().name())
                        .start(() -> function.invokeQuietly(payload, clientContext));
                yield new Response(202, "", List.of(new Header("content-type", "application/json")), new byte[0]);
            }
            case "RequestResponse" -> respond(function, payload, clientContext,
                    request.header("x-amz-log-type").orElse("None").equals("Tail"));
            default -> serviceError(400, "InvalidParameterValueException", "{\"Type\":\"User\",\"message\":"
                    + Json.string("Unsupported invocation type: " + type) + "}");
        };
    }

    private static Response respond(Function function, byte[] payload, Optional<String> clientContext, boolean tail) {
        Function.Invoked invoked;
        try {
            invoked = function.invoke(payload, clientContext);
        } catch (EnvironmentPool.Throttled e) {
            return serviceError(429, "TooManyRequestsException", "{\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\","
                    + "\"Type\":\"User\",\"message\":\"Rate Exceeded.\"}");
        }
        List<Header> headers = new ArrayList<>(List.of(new Header("content-type", "application/json"),
                new Header("x-amz-executed-version", "$LATEST")));
        byte[] body;
        if (invoked.outcome() instanceof Failure failure) {
            headers.add(new Header("x-amz-function-error", "Unhandled"));
            body = failure.payload();
        } else {
            body = ((Outcome.Result) invoked.outcome()).payload();
        }
        if (tail) {
            headers.add(new Header("x-amz-log-result", invoked.invocation() == null ? ""
                    : invoked.invocation().logTail()));
        }
        return new Response(200, "", headers, body);
    }

    private static boolean isJson(byte[] payload) {
        try (var parser = Json.MAPPER.createParser(payload)) {
            while (parser.nextToken() != null) {
                // reads to the end: a valid document, and nothing after it
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code X-Amz-Client-Context} is base64 of the JSON the runtime gets as Lambda-Runtime-Client-Context. */
    private static String decodeContext(String header) {
        try {
            return new String(java.util.Base64.getDecoder().decode(header), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return header;
        }
    }

    private static Response serviceError(int status, String type, String body) {
        return new Response(status, "", List.of(new Header("content-type", "application/json"),
                new Header("x-amzn-ErrorType", type)), body.getBytes(StandardCharsets.UTF_8));
    }
}
