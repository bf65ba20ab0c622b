package dev.flexilib.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A CloudFormation (and SAM) template as a JSON tree, from YAML or JSON. The
 * short forms of intrinsic functions become their long forms as CloudFormation
 * reads them ({@code !Ref X} is {@code {"Ref": "X"}}, {@code !Sub s} is
 * {@code {"Fn::Sub": s}}, {@code !GetAtt A.B} is {@code {"Fn::GetAtt": ["A", "B"]}}),
 * and the line of every object member is kept, for errors.
 */
final class CloudFormationYaml {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The tree and where each member came from: its JSON pointer ({@code /Resources/Fn/Properties}) to its line. */
    record Template(JsonNode root, Map<String, Integer> lines) {
        int line(String pointer) {
            for (String at = pointer; !at.isEmpty(); at = at.substring(0, at.lastIndexOf('/'))) {
                Integer line = lines.get(at);
                if (line != null) {
                    return line;
                }
            }
            return 0;
        }
    }

    private final Map<String, Integer> lines = new HashMap<>();

    private CloudFormationYaml() {}

    /** Reads {@code file}; throws {@link ConfigException} for a syntax error, at its line. */
    static Template read(Path file) {
        boolean json = file.getFileName().toString().endsWith(".json");
        CloudFormationYaml reader = new CloudFormationYaml();
        try (JsonParser parser = (json ? new JsonFactory() : new YAMLFactory()).createParser(file.toFile())) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new ConfigException(List.of(new ConfigError(file, 1, "a template is a mapping: "
                        + "AWSTemplateFormatVersion, Transform, Parameters, Globals, Resources, ...")));
            }
            return new Template(reader.value(parser, ""), reader.lines);
        } catch (JsonProcessingException e) {
            throw new ConfigException(List.of(new ConfigError(file, e.getLocation() == null ? 0
                    : e.getLocation().getLineNr(), "not valid " + (json ? "JSON" : "YAML") + ": "
                    + e.getOriginalMessage())));
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(file, 0, "cannot read the file: " + e)));
        }
    }

    /** The value at the parser's current token, with its tag applied. */
    private JsonNode value(JsonParser parser, String pointer) throws IOException {
        String tag = parser.getTypeId() instanceof String text ? text : null;
        JsonNode value = switch (parser.currentToken()) {
            case START_OBJECT -> object(parser, pointer);
            case START_ARRAY -> array(parser, pointer);
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT -> NODES.numberNode(parser.getLongValue());
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDecimalValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            default -> NODES.nullNode();
        };
        return tag == null ? value : intrinsic(tag, value);
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

    /** {@code !Ref x} → {@code {"Ref": x}}, {@code !Condition c} → {@code {"Condition": c}}, {@code !Name v} → {@code {"Fn::Name": v}}. */
    private static JsonNode intrinsic(String tag, JsonNode value) {
        String name = tag.startsWith("!") ? tag.substring(1) : tag;
        ObjectNode call = NODES.objectNode();
        if (name.equals("Ref") || name.equals("Condition")) {
            call.set(name, value);
        } else if (name.equals("GetAtt") && value.isTextual() && value.asText().contains(".")) {
            String text = value.asText();
            int dot = text.indexOf('.');
            call.set("Fn::GetAtt", NODES.arrayNode().add(text.substring(0, dot)).add(text.substring(dot + 1)));
        } else {
            call.set("Fn::" + name, value);
        }
        return call;
    }
}
