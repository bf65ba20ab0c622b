package dev.flexilib.plugin.lambda;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/** The one Jackson mapper of the Lambda host, and the few JSON shapes it writes by hand. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /** {@code text} as a JSON string literal, quotes included. */
    static String string(String text) {
        try {
            return MAPPER.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a string always serialises", e);
        }
    }

    /** {@code {"errorMessage": message, "errorType": type}}, the Runtime API's error shape. */
    static byte[] error(String type, String message) {
        return ("{\"errorMessage\":" + string(message) + ",\"errorType\":" + string(type) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
