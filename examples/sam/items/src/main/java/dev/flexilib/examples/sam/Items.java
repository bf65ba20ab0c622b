package dev.flexilib.examples.sam;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.util.Map;

/**
 * The items API of the example SAM application, behind a REST API (payload 1.0):
 * {@code GET /items}, {@code GET /items/{id}} and {@code POST /items}. It answers
 * from a fixed catalogue (a deployed version would read the table TABLE_NAME
 * names) and says which route, stage and function answered.
 */
public final class Items implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    private static final Map<String, String> CATALOGUE = Map.of("1", "kettle", "2", "teapot", "3", "mug");

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        context.getLogger().log(event.getHttpMethod() + " " + event.getPath() + " on " + event.getResource() + "\n");
        Map<String, String> where = Map.of("content-type", "application/json",
                "x-resource", event.getResource(),
                "x-stage", event.getRequestContext().getStage(),
                "x-table", System.getenv().getOrDefault("TABLE_NAME", ""),
                "x-function", context.getFunctionName());
        if (event.getHttpMethod().equals("POST")) {
            String name = event.getBody() == null ? "" : event.getBody().strip();
            return answer(201, where, "{\"id\":\"4\",\"name\":" + quoted(name) + "}");
        }
        Map<String, String> parameters = event.getPathParameters();
        if (parameters == null || !parameters.containsKey("id")) {
            StringBuilder list = new StringBuilder("[");
            CATALOGUE.keySet().stream().sorted().forEach(id -> list.append(list.length() > 1 ? "," : "")
                    .append(item(id)));
            return answer(200, where, list.append(']').toString());
        }
        String id = parameters.get("id");
        return CATALOGUE.containsKey(id) ? answer(200, where, item(id))
                : answer(404, where, "{\"message\":" + quoted("no item " + id) + "}");
    }

    private static String item(String id) {
        return "{\"id\":" + quoted(id) + ",\"name\":" + quoted(CATALOGUE.get(id)) + "}";
    }

    private static APIGatewayProxyResponseEvent answer(int status, Map<String, String> headers, String body) {
        return new APIGatewayProxyResponseEvent().withStatusCode(status).withHeaders(headers).withBody(body);
    }

    /** A JSON string. */
    private static String quoted(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
