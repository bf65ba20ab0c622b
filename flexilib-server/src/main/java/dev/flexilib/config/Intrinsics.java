package dev.flexilib.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CloudFormation's intrinsic functions, evaluated as a deployment would, with
 * what a local run knows: the template's parameters (defaults, then overrides),
 * the pseudo parameters ({@code AWS::Region}, {@code AWS::AccountId}, ...), its
 * conditions and mappings, and the functions' names and ARNs for {@code Ref} and
 * {@code Fn::GetAtt}. {@code Ref}, {@code Fn::Sub}, {@code Fn::GetAtt},
 * {@code Fn::Join}, {@code Fn::If} (with {@code Fn::Equals}, {@code Fn::Not},
 * {@code Fn::And}, {@code Fn::Or}, {@code Condition}), {@code Fn::Select},
 * {@code Fn::Split}, {@code Fn::FindInMap} and {@code Fn::Base64}; anything else
 * (another resource's attributes, imports) is reported and left as its name.
 */
final class Intrinsics {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(!?)([^}]*)}");
    /** Stands for AWS::NoValue until its member is dropped. */
    private static final JsonNode NO_VALUE = NODES.textNode("\u0000AWS::NoValue");

    private final Map<String, String> references;
    private final Map<String, String> attributes;
    private final JsonNode conditions;
    private final JsonNode mappings;
    private final Consumer<String> unresolved;

    /**
     * {@code references}: what {@code Ref NAME} is (parameters, pseudo parameters, resources);
     * {@code attributes}: what {@code Fn::GetAtt NAME.ATTRIBUTE} is, as {@code NAME.ATTRIBUTE};
     * {@code unresolved}: told of each reference it cannot resolve.
     */
    Intrinsics(Map<String, String> references, Map<String, String> attributes, JsonNode conditions, JsonNode mappings,
               Consumer<String> unresolved) {
        this.references = references;
        this.attributes = attributes;
        this.conditions = conditions == null ? NODES.objectNode() : conditions;
        this.mappings = mappings == null ? NODES.objectNode() : mappings;
        this.unresolved = unresolved;
    }

    /** {@code node} with every intrinsic function in it evaluated. */
    JsonNode resolve(JsonNode node) {
        if (node.isArray()) {
            ArrayNode array = NODES.arrayNode();
            node.forEach(item -> {
                JsonNode value = resolve(item);
                if (value != NO_VALUE) {
                    array.add(value);
                }
            });
            return array;
        }
        if (!node.isObject()) {
            return node;
        }
        if (node.size() == 1) {
            String name = node.fieldNames().next();
            if (name.equals("Ref") || name.startsWith("Fn::")) {
                return call(name, node.get(name));
            }
        }
        ObjectNode object = NODES.objectNode();
        node.properties().forEach(member -> {
            JsonNode value = resolve(member.getValue());
            if (value != NO_VALUE) {
                object.set(member.getKey(), value);
            }
        });
        return object;
    }

    private JsonNode call(String name, JsonNode argument) {
        return switch (name) {
            case "Ref" -> ref(argument.asText());
            case "Fn::GetAtt" -> text(getAtt(resolve(argument)));
            case "Fn::Sub" -> text(sub(argument));
            case "Fn::Join" -> text(join(resolve(argument)));
            case "Fn::If" -> ifThen(argument);
            case "Fn::Select" -> select(resolve(argument));
            case "Fn::Split" -> split(resolve(argument));
            case "Fn::FindInMap" -> findInMap(resolve(argument));
            case "Fn::Base64" -> text(Base64.getEncoder().encodeToString(
                    resolve(argument).asText().getBytes(StandardCharsets.UTF_8)));
            case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or" -> NODES.booleanNode(condition(
                    NODES.objectNode().set(name, argument)));
            default -> {
                unresolved.accept(name);
                yield text(name);
            }
        };
    }

    private JsonNode ref(String name) {
        if (name.equals("AWS::NoValue")) {
            return NO_VALUE;
        }
        String value = references.get(name);
        if (value == null) {
            unresolved.accept("Ref " + name);
            return text(name);
        }
        return text(value);
    }

    private String getAtt(JsonNode argument) {
        String name = argument.isArray() ? argument.path(0).asText() + "." + argument.path(1).asText()
                : argument.asText();
        String value = attributes.get(name);
        if (value == null) {
            unresolved.accept("Fn::GetAtt " + name);
            return name;
        }
        return value;
    }

    /** {@code ${Name}}, {@code ${Resource.Attribute}} and {@code ${!Literal}}, with the variables of the long form first. */
    private String sub(JsonNode argument) {
        String template = argument.isArray() ? argument.path(0).asText() : argument.asText();
        JsonNode variables = argument.isArray() ? resolve(argument.path(1)) : NODES.objectNode();
        Matcher matcher = VARIABLE.matcher(template);
        StringBuilder result = new StringBuilder();
        while (matcher.find()) {
            String variable = matcher.group(2);
            String value;
            if (!matcher.group(1).isEmpty()) {
                value = "${" + variable + "}";
            } else if (variables.has(variable)) {
                value = variables.get(variable).asText();
            } else if (variable.contains(".") && !references.containsKey(variable)) {
                value = getAtt(text(variable));
            } else {
                value = ref(variable).asText();
            }
            matcher.appendReplacement(result, Matcher.quoteReplacement(value));
        }
        return matcher.appendTail(result).toString();
    }

    private static String join(JsonNode argument) {
        List<String> parts = new ArrayList<>();
        argument.path(1).forEach(part -> parts.add(part.asText()));
        return String.join(argument.path(0).asText(), parts);
    }

    private JsonNode ifThen(JsonNode argument) {
        boolean holds = condition(NODES.objectNode().put("Condition", argument.path(0).asText()));
        return resolve(argument.path(holds ? 1 : 2));
    }

    /** Evaluates a condition: a named one, or an {@code Fn::Equals}/{@code Not}/{@code And}/{@code Or} expression. */
    boolean condition(JsonNode node) {
        if (node.has("Condition")) {
            JsonNode named = conditions.get(node.get("Condition").asText());
            if (named == null) {
                unresolved.accept("Condition " + node.get("Condition").asText());
                return false;
            }
            return condition(named);
        }
        if (node.has("Fn::Equals")) {
            JsonNode pair = resolve(node.get("Fn::Equals"));
            return pair.path(0).asText().equals(pair.path(1).asText());
        }
        if (node.has("Fn::Not")) {
            return !condition(node.get("Fn::Not").path(0));
        }
        if (node.has("Fn::And")) {
            for (JsonNode part : node.get("Fn::And")) {
                if (!condition(part)) {
                    return false;
                }
            }
            return true;
        }
        if (node.has("Fn::Or")) {
            for (JsonNode part : node.get("Fn::Or")) {
                if (condition(part)) {
                    return true;
                }
            }
            return false;
        }
        return resolve(node).asBoolean(false);
    }

    private static JsonNode select(JsonNode argument) {
        JsonNode list = argument.path(1);
        return list.path(argument.path(0).asInt());
    }

    private static JsonNode split(JsonNode argument) {
        ArrayNode parts = NODES.arrayNode();
        for (String part : argument.path(1).asText().split(Pattern.quote(argument.path(0).asText()), -1)) {
            parts.add(part);
        }
        return parts;
    }

    private JsonNode findInMap(JsonNode argument) {
        JsonNode value = mappings.path(argument.path(0).asText()).path(argument.path(1).asText())
                .path(argument.path(2).asText());
        if (value.isMissingNode()) {
            unresolved.accept("Fn::FindInMap " + argument);
            return text("");
        }
        return value;
    }

    private static JsonNode text(String text) {
        return NODES.textNode(text);
    }
}
