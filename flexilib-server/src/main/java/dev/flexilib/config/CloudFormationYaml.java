package dev.flexilib.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;

/**
 * A CloudFormation (and SAM) template as a JSON tree, from YAML or JSON. The
 * short forms of intrinsic functions become their long forms as CloudFormation
 * reads them ({@code !Ref X} is {@code {"Ref": "X"}}, {@code !Sub s} is
 * {@code {"Fn::Sub": s}}, {@code !GetAtt A.B} is {@code {"Fn::GetAtt": ["A", "B"]}}),
 * and the line of every object member is kept, for errors.
 */
final class CloudFormationYaml {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private CloudFormationYaml() {}

    /** Reads {@code file}; throws {@link ConfigException} for a syntax error, at its line. */
    static LocatedTree read(Path file) {
        boolean json = file.getFileName().toString().endsWith(".json");
        return LocatedTree.read(file, json ? new JsonFactory() : new YAMLFactory(), json ? "JSON" : "YAML",
                "a template to be a mapping: AWSTemplateFormatVersion, Transform, Parameters, Globals, Resources, ...",
                CloudFormationYaml::intrinsic);
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
