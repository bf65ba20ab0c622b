package dev.flexilib.examples.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.util.Map;

/**
 * A Lambda function behind an API Gateway HTTP API: greets the name in the query
 * ({@code ?name=...}), or the world, and says in headers which invocation answered.
 * It runs unchanged on AWS's java21 runtime and on flexilib.
 */
public final class Hello implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        Map<String, String> query = event.getQueryStringParameters();
        String name = query == null ? "world" : query.getOrDefault("name", "world");
        context.getLogger().log("greeting " + name + " at " + event.getRawPath() + "\n");
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(200)
                .withHeaders(Map.of("content-type", "text/plain",
                        "x-request-id", context.getAwsRequestId(),
                        "x-function", context.getFunctionName() + " (" + context.getMemoryLimitInMB() + " MB)"))
                .withBody("Hello from Java on Lambda, " + name + "!")
                .build();
    }
}
