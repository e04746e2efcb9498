package dev.fedmesh.controlapi.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.fedmesh.policy.document.Violation;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Converts between google.protobuf.Struct and Jackson trees, so that a gRPC request is validated
 * by exactly the JSON rules a REST body is, and its errors name the same field paths.
 */
final class StructJson {
    /** Integral doubles up to 2^53 are exact; a Struct cannot tell 20 from 20.0, so both read as 20. */
    private static final double LARGEST_EXACT_INTEGER = 9007199254740992d;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private StructJson() {
    }

    /** The JSON object of a Struct found at {@code path}; values JSON cannot hold are recorded as violations. */
    static ObjectNode toJson(Struct struct, String path, List<Violation> violations) {
        ObjectNode json = NODES.objectNode();
        struct.getFieldsMap().forEach((name, value) -> json.set(name, toJson(value, path + "." + name, violations)));
        return json;
    }

    private static JsonNode toJson(Value value, String path, List<Violation> violations) {
        return switch (value.getKindCase()) {
            case NULL_VALUE, KIND_NOT_SET -> NODES.nullNode();
            case BOOL_VALUE -> NODES.booleanNode(value.getBoolValue());
            case STRING_VALUE -> NODES.textNode(value.getStringValue());
            case NUMBER_VALUE -> number(value.getNumberValue(), path, violations);
            case STRUCT_VALUE -> toJson(value.getStructValue(), path, violations);
            case LIST_VALUE -> {
                ArrayNode array = NODES.arrayNode();
                List<Value> items = value.getListValue().getValuesList();
                for (int i = 0; i < items.size(); i++) {
                    array.add(toJson(items.get(i), path + "[" + i + "]", violations));
                }
                yield array;
            }
        };
    }

    private static JsonNode number(double number, String path, List<Violation> violations) {
        if (!Double.isFinite(number)) {
            violations.add(new Violation(path, "must be a finite number, not " + number));
            return NODES.nullNode();
        }
        if (number == Math.rint(number) && Math.abs(number) <= LARGEST_EXACT_INTEGER) {
            long integral = (long) number;
            return integral == (int) integral ? NODES.numberNode((int) integral) : NODES.numberNode(integral);
        }
        return NODES.numberNode(number);
    }

    /** The Struct of a JSON object. */
    static Struct toStruct(JsonNode object) {
        Struct.Builder struct = Struct.newBuilder();
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            struct.putFields(field.getKey(), toValue(field.getValue()));
        }
        return struct.build();
    }

    private static Value toValue(JsonNode node) {
        Value.Builder value = Value.newBuilder();
        if (node == null || node.isNull() || node.isMissingNode()) {
            value.setNullValue(NullValue.NULL_VALUE);
        } else if (node.isBoolean()) {
            value.setBoolValue(node.booleanValue());
        } else if (node.isNumber()) {
            value.setNumberValue(node.doubleValue());
        } else if (node.isTextual()) {
            value.setStringValue(node.textValue());
        } else if (node.isArray()) {
            ListValue.Builder list = ListValue.newBuilder();
            node.forEach(item -> list.addValues(toValue(item)));
            value.setListValue(list);
        } else if (node.isObject()) {
            value.setStructValue(toStruct(node));
        } else {
            value.setStringValue(node.asText());
        }
        return value.build();
    }
}
