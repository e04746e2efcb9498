package dev.fedmesh.policy.document;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Reads the fields of one JSON object, recording a {@link Violation} with the field's full path
 * (e.g. {@code spec.split[1].weight}) for every missing, mistyped or unknown field instead of
 * stopping at the first one.
 */
public final class JsonObjectReader {
    private final JsonNode node;
    private final String path;
    private final List<Violation> violations;
    private final Set<String> read = new LinkedHashSet<>();

    JsonObjectReader(JsonNode node, String path, List<Violation> violations) {
        this.node = node;
        this.path = path;
        this.violations = violations;
    }

    /**
     * A reader for a top-level object, recording problems in {@code violations}; a value that is
     * not an object is recorded as one violation and read as an empty object.
     */
    public static JsonObjectReader root(JsonNode node, List<Violation> violations) {
        if (node == null || !node.isObject()) {
            violations.add(new Violation("", "the body must be a JSON object, not "
                    + describe(node == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : node)));
            return new JsonObjectReader(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), "", violations);
        }
        return new JsonObjectReader(node, "", violations);
    }

    /** The path of a field of this object, as users see it in errors. */
    public String pathOf(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    public void reject(String field, String problem) {
        violations.add(new Violation(pathOf(field), problem));
    }

    public boolean has(String field) {
        read.add(field);
        JsonNode value = node.get(field);
        return value != null && !value.isNull();
    }

    /** Marks a field as known without reading it (read-only fields a client may echo back). */
    public void ignore(String field) {
        read.add(field);
    }

    public String requiredString(String field) {
        read.add(field);
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            reject(field, "is required");
            return null;
        }
        if (!value.isTextual()) {
            reject(field, "must be a string, not " + describe(value));
            return null;
        }
        return value.textValue();
    }

    public String optionalString(String field) {
        read.add(field);
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            reject(field, "must be a string, not " + describe(value));
            return null;
        }
        return value.textValue();
    }

    /** An integer within [min, max]; null (after recording why) when absent or invalid. */
    public Long requiredInteger(String field, long min, long max) {
        read.add(field);
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            reject(field, "is required");
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            reject(field, "must be a whole number between " + min + " and " + max + ", not " + describe(value));
            return null;
        }
        long number = value.longValue();
        if (number < min || number > max) {
            reject(field, "must be between " + min + " and " + max + ", not " + number);
            return null;
        }
        return number;
    }

    /** A duration within [min, max] such as "250ms"; null when absent (or invalid, after recording why). */
    public java.time.Duration optionalDuration(String field, java.time.Duration min, java.time.Duration max) {
        String text = optionalString(field);
        if (text == null) {
            return null;
        }
        java.time.Duration duration = Durations.parse(text);
        if (duration == null) {
            reject(field, "'" + text + "' " + Durations.RULE);
            return null;
        }
        if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
            reject(field, "must be between " + Durations.format(min) + " and " + Durations.format(max) + ", not " + text);
            return null;
        }
        return duration;
    }

    /** An integer within [min, max]; null when absent (or invalid, after recording why). */
    public Long optionalInteger(String field, long min, long max) {
        read.add(field);
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        return requiredInteger(field, min, max);
    }

    /** A number, fractions allowed, within [min, max]; null when absent (or invalid, after recording why). */
    public Double optionalDecimal(String field, double min, double max) {
        read.add(field);
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            reject(field, "must be a number between " + min + " and " + max + ", not " + describe(value));
            return null;
        }
        double number = value.doubleValue();
        if (!(number >= min && number <= max)) {
            reject(field, "must be between " + min + " and " + max + ", not " + value.asText());
            return null;
        }
        return number;
    }

    /** An array of whole numbers each within [min, max]; empty when absent. */
    public List<Long> integers(String field, long min, long max) {
        read.add(field);
        JsonNode value = node.get(field);
        List<Long> result = new ArrayList<>();
        if (value == null || value.isNull()) {
            return result;
        }
        if (!value.isArray()) {
            reject(field, "must be an array of whole numbers, not " + describe(value));
            return result;
        }
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemPath = pathOf(field) + "[" + i + "]";
            if (!item.isIntegralNumber() || !item.canConvertToLong() || item.longValue() < min || item.longValue() > max) {
                violations.add(new Violation(itemPath, "must be a whole number between " + min + " and " + max
                        + ", not " + (item.isNumber() ? item.asText() : describe(item))));
                continue;
            }
            result.add(item.longValue());
        }
        return result;
    }

    /** One of a fixed set of words; null when absent (or invalid, after recording why). */
    public String optionalEnum(String field, java.util.List<String> allowed) {
        String text = optionalString(field);
        if (text != null && !allowed.contains(text)) {
            reject(field, "'" + text + "' is not one of " + allowed);
            return null;
        }
        return text;
    }

    /** An array of strings; empty when absent. */
    public List<String> strings(String field) {
        read.add(field);
        JsonNode value = node.get(field);
        List<String> result = new ArrayList<>();
        if (value == null || value.isNull()) {
            return result;
        }
        if (!value.isArray()) {
            reject(field, "must be an array of strings, not " + describe(value));
            return result;
        }
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            if (!item.isTextual()) {
                violations.add(new Violation(pathOf(field) + "[" + i + "]", "must be a string, not " + describe(item)));
                continue;
            }
            result.add(item.textValue());
        }
        return result;
    }

    public Boolean optionalBoolean(String field) {
        read.add(field);
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            reject(field, "must be true or false, not " + describe(value));
            return null;
        }
        return value.booleanValue();
    }

    /** A map of label keys to values; empty when absent. */
    public Map<String, String> labels(String field) {
        read.add(field);
        JsonNode value = node.get(field);
        Map<String, String> labels = new TreeMap<>();
        if (value == null || value.isNull()) {
            return labels;
        }
        if (!value.isObject()) {
            reject(field, "must be an object of label names to string values, not " + describe(value));
            return labels;
        }
        Iterator<Map.Entry<String, JsonNode>> entries = value.fields();
        while (entries.hasNext()) {
            Map.Entry<String, JsonNode> entry = entries.next();
            String key = entry.getKey();
            String keyPath = pathOf(field) + "." + key;
            if (!Names.isValidLabelKey(key)) {
                violations.add(new Violation(keyPath, "is not a valid label name: use 1-63 letters, digits, '.', '_', '-' or '/'"
                        + ", starting and ending with a letter or digit"));
                continue;
            }
            JsonNode labelValue = entry.getValue();
            if (!labelValue.isTextual()) {
                violations.add(new Violation(keyPath, "must be a string, not " + describe(labelValue)));
                continue;
            }
            if (!Names.isValidLabelValue(labelValue.textValue())) {
                violations.add(new Violation(keyPath, "is not a valid label value: use at most 63 letters, digits, '.', '_' or '-'"
                        + ", starting and ending with a letter or digit"));
                continue;
            }
            labels.put(key, labelValue.textValue());
        }
        return labels;
    }

    /** A nested object, or null (after recording why) when it is absent or not an object. */
    public JsonObjectReader requiredObject(String field) {
        read.add(field);
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            reject(field, "is required");
            return null;
        }
        if (!value.isObject()) {
            reject(field, "must be an object, not " + describe(value));
            return null;
        }
        return new JsonObjectReader(value, pathOf(field), violations);
    }

    public JsonObjectReader optionalObject(String field) {
        return has(field) ? requiredObject(field) : null;
    }

    /** Reads each element of an array of objects; absent means empty. */
    public <T> List<T> objects(String field, boolean required, Function<JsonObjectReader, T> element) {
        read.add(field);
        JsonNode value = node.get(field);
        List<T> result = new ArrayList<>();
        if (value == null || value.isNull()) {
            if (required) {
                reject(field, "is required");
            }
            return result;
        }
        if (!value.isArray()) {
            reject(field, "must be an array, not " + describe(value));
            return result;
        }
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemPath = pathOf(field) + "[" + i + "]";
            if (!item.isObject()) {
                violations.add(new Violation(itemPath, "must be an object, not " + describe(item)));
                continue;
            }
            T parsed = element.apply(new JsonObjectReader(item, itemPath, violations));
            if (parsed != null) {
                result.add(parsed);
            }
        }
        return result;
    }

    /** Whether the field is present and an array (possibly empty). */
    public boolean isArray(String field) {
        JsonNode value = node.get(field);
        return value != null && value.isArray();
    }

    /** The number of elements of an array field; 0 when absent or not an array. */
    public int sizeOf(String field) {
        JsonNode value = node.get(field);
        return value != null && value.isArray() ? value.size() : 0;
    }

    /** Records every field that no one asked for: unknown fields are errors, not silently dropped. */
    public void rejectUnknownFields() {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!read.contains(name)) {
                reject(name, read.isEmpty() ? "is not a known field here: remove it (this object takes no fields)"
                        : "is not a known field here: remove it (known fields: " + String.join(", ", read) + ")");
            }
        }
    }

    static String describe(JsonNode value) {
        if (value.isTextual()) {
            return "a string";
        }
        if (value.isNumber()) {
            return "a number";
        }
        if (value.isBoolean()) {
            return "a boolean";
        }
        if (value.isArray()) {
            return "an array";
        }
        if (value.isObject()) {
            return "an object";
        }
        return "null";
    }
}
