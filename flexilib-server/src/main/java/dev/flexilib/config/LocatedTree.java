package dev.flexilib.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A config file read as a JSON tree — from JSON, YAML or TOML, whichever parser
 * reads it — with the line of every object member, so that errors name the line.
 *
 * @param lines each member's JSON pointer ({@code /Resources/Fn/Properties}) to its line
 */
record LocatedTree(JsonNode root, Map<String, Integer> lines) {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The line of the member at {@code pointer}, or of the nearest enclosing one; 0 if none. */
    int line(String pointer) {
        for (String at = pointer; !at.isEmpty(); at = at.substring(0, at.lastIndexOf('/'))) {
            Integer line = lines.get(at);
            if (line != null) {
                return line;
            }
        }
        return 0;
    }

    /**
     * Reads {@code file}, an object at the top ({@code expected} says what it should
     * hold), with {@code factory}'s parser; a value with a tag (YAML's {@code !Ref})
     * becomes what {@code tagged} makes of it. Throws {@link ConfigException} for a
     * syntax error, at its line.
     */
    static LocatedTree read(Path file, JsonFactory factory, String format, String expected,
                            BiFunction<String, JsonNode, JsonNode> tagged) {
        Reader reader = new Reader(tagged);
        try (JsonParser parser = factory.createParser(file.toFile())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new ConfigException(List.of(new ConfigError(file, 1, "expected " + expected)));
            }
            return new LocatedTree(reader.value(parser, ""), reader.lines);
        } catch (JsonProcessingException e) {
            throw new ConfigException(List.of(new ConfigError(file, e.getLocation() == null ? 0
                    : e.getLocation().getLineNr(), "not valid " + format + ": " + e.getOriginalMessage())));
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(file, 0, "cannot read the file: " + e)));
        }
    }

    private static final class Reader {
        private final BiFunction<String, JsonNode, JsonNode> tagged;
        private final Map<String, Integer> lines = new HashMap<>();

        Reader(BiFunction<String, JsonNode, JsonNode> tagged) {
            this.tagged = tagged;
        }

        JsonNode value(JsonParser parser, String pointer) throws IOException {
            String tag = parser.getTypeId() instanceof String text ? text : null;
            JsonNode value = switch (parser.currentToken()) {
                case START_OBJECT -> object(parser, pointer);
                case START_ARRAY -> array(parser, pointer);
                case VALUE_STRING -> NODES.textNode(parser.getText());
                case VALUE_NUMBER_INT -> NODES.numberNode(parser.getLongValue());
                case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDecimalValue());
                case VALUE_TRUE -> NODES.booleanNode(true);
                case VALUE_FALSE -> NODES.booleanNode(false);
                case VALUE_EMBEDDED_OBJECT -> NODES.textNode(String.valueOf(parser.getEmbeddedObject()));
                default -> NODES.nullNode();
            };
            return tag == null ? value : tagged.apply(tag, value);
        }

        private ObjectNode object(JsonParser parser, String pointer) throws IOException {
            ObjectNode object = NODES.objectNode();
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String name = parser.currentName();
                String member = pointer + "/" + name;
                lines.put(member, parser.currentTokenLocation().getLineNr());
                parser.nextToken();
                object.set(name, value(parser, member));
            }
            return object;
        }

        private ArrayNode array(JsonParser parser, String pointer) throws IOException {
            ArrayNode array = NODES.arrayNode();
            int index = 0;
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                array.add(value(parser, pointer + "/" + index++));
            }
            return array;
        }
    }
}
