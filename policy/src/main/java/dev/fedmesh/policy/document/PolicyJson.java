package dev.fedmesh.policy.document;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads policy documents from JSON, validating every field, and writes them back in their
 * canonical form. Used by the API for requests and by the distributor for stored rows, so both
 * see exactly the same rules.
 */
public final class PolicyJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder(new JsonFactory().setCharacterEscapes(new HtmlSafeEscapes()))
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private PolicyJson() {
    }

    /** Parses JSON text, refusing malformed input with the line and column of the problem. */
    public static JsonNode parse(String json) {
        if (json == null || json.isBlank()) {
            throw new InvalidDocumentException(List.of(new Violation("", "the request body is empty: send a JSON object")));
        }
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new InvalidDocumentException(List.of(new Violation("",
                    "the body is not valid JSON" + where + ": " + e.getOriginalMessage())));
        }
    }

    /**
     * Reads and validates a whole policy document.
     *
     * @param expectedName the name from the request path, or null; a body naming another policy is refused
     */
    public static PolicyDocument read(JsonNode json, String expectedName) {
        List<Violation> violations = new ArrayList<>();
        if (json == null || !json.isObject()) {
            throw new InvalidDocumentException(List.of(new Violation("",
                    "must be a JSON object with kind, name, target and spec, not " + JsonObjectReader.describe(json == null ? NODES.nullNode() : json))));
        }
        JsonObjectReader document = new JsonObjectReader(json, "", violations);
        String kindName = document.requiredString("kind");
        String name = document.has("name") ? document.requiredString("name") : expectedName;
        if (name == null && expectedName == null) {
            document.reject("name", "is required");
        } else if (name != null && !Names.isValid(name)) {
            document.reject("name", "'" + name + "' " + Names.RULE);
        } else if (expectedName != null && !expectedName.equals(name)) {
            document.reject("name", "'" + name + "' differs from the name in the request path '" + expectedName
                    + "': send the same name in both, or leave it out of the body");
        }
        Map<String, String> labels = document.labels("labels");
        Target target = readTarget(document);
        List<ServiceSelector> from = document.objects("from", false, source -> {
            ServiceSelector selector = readSelector(source);
            source.rejectUnknownFields();
            return selector;
        });
        document.ignore("resourceVersion");
        document.ignore("createdAt");
        document.ignore("updatedAt");
        document.ignore("warnings");

        PolicySpec spec = null;
        PolicyKind<?> kind = null;
        if (kindName != null) {
            kind = PolicyKinds.find(kindName).orElse(null);
            if (kind == null) {
                document.reject("kind", "'" + kindName + "' is not a policy kind; use one of " + PolicyKinds.names());
            }
        }
        if (kind != null) {
            if (target != null) {
                kind.checkTarget(target, document);
            }
            if (!from.isEmpty() && !kind.acceptsFrom()) {
                document.reject("from", "a " + kindName + " cannot be narrowed to some sources: remove from "
                        + "(see docs/policies/" + kindName + ".md)");
            }
            JsonObjectReader specReader = document.requiredObject("spec");
            if (specReader != null) {
                spec = kind.readSpec(specReader, target);
                specReader.rejectUnknownFields();
            }
        } else {
            document.ignore("spec");
        }
        document.rejectUnknownFields();
        if (!violations.isEmpty()) {
            throw new InvalidDocumentException(violations);
        }
        return new PolicyDocument(kindName, name, labels, target, from, spec);
    }

    /** Rebuilds a document from the parts stored in separate columns. */
    public static PolicyDocument fromStored(String kind, String name, String labels, String target, String from, String spec) {
        ObjectNode json = NODES.objectNode();
        json.put("kind", kind);
        json.put("name", name);
        json.set("labels", parse(labels));
        json.set("target", parse(target));
        json.set("from", parse(from));
        json.set("spec", parse(spec));
        return read(json, name);
    }

    /** The canonical JSON of a document (without server-managed fields). */
    public static ObjectNode write(PolicyDocument document) {
        ObjectNode json = NODES.objectNode();
        json.put("kind", document.kind());
        json.put("name", document.name());
        json.set("labels", writeLabels(document.labels()));
        json.set("target", writeTarget(document.target()));
        json.set("from", writeFrom(document.from()));
        json.set("spec", writeSpec(document));
        return json;
    }

    public static ObjectNode writeLabels(Map<String, String> labels) {
        ObjectNode json = NODES.objectNode();
        new java.util.TreeMap<>(labels).forEach(json::put);
        return json;
    }

    public static ObjectNode writeTarget(Target target) {
        ObjectNode json = NODES.objectNode();
        if (target instanceof Target.Mesh) {
            json.put("mesh", true);
        } else if (target instanceof Target.Service service) {
            writeSelector(service.selector(), json);
        }
        return json;
    }

    public static ArrayNode writeFrom(List<ServiceSelector> from) {
        ArrayNode json = NODES.arrayNode();
        for (ServiceSelector selector : from) {
            writeSelector(selector, json.addObject());
        }
        return json;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static JsonNode writeSpec(PolicyDocument document) {
        PolicyKind kind = PolicyKinds.find(document.kind()).orElseThrow();
        return kind.writeSpec(document.spec());
    }

    public static String toText(JsonNode json) {
        try {
            return MAPPER.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    private static void writeSelector(ServiceSelector selector, ObjectNode json) {
        json.put("service", selector.service());
        if (!selector.subset().isEmpty()) {
            json.set("subset", writeLabels(selector.subset()));
        }
    }

    private static Target readTarget(JsonObjectReader document) {
        JsonObjectReader target = document.requiredObject("target");
        if (target == null) {
            return null;
        }
        Boolean mesh = target.optionalBoolean("mesh");
        boolean hasService = target.has("service");
        Target result = null;
        if (Boolean.TRUE.equals(mesh) && hasService) {
            target.reject("mesh", "cannot be combined with service: target either the whole mesh or one service");
        } else if (Boolean.TRUE.equals(mesh)) {
            result = new Target.Mesh();
            if (target.has("subset")) {
                target.reject("subset", "needs a service: a subset of the whole mesh has no meaning");
            }
        } else if (hasService) {
            ServiceSelector selector = readSelector(target);
            result = selector == null ? null : new Target.Service(selector);
        } else {
            target.reject("service", "is required: set target.service to a service name, or target.mesh to true");
        }
        target.rejectUnknownFields();
        return result;
    }

    private static ServiceSelector readSelector(JsonObjectReader selector) {
        String service = selector.requiredString("service");
        Map<String, String> subset = selector.labels("subset");
        if (service != null && !Names.isValid(service)) {
            selector.reject("service", "'" + service + "' " + Names.RULE);
            service = null;
        }
        return service == null ? null : new ServiceSelector(service, subset);
    }

    /**
     * Writes {@code < > &} as unicode escapes: the JSON means the same, but a value echoed
     * back in an answer can never be taken for markup by whatever displays it.
     */
    private static final class HtmlSafeEscapes extends CharacterEscapes {
        private final int[] escapes;

        HtmlSafeEscapes() {
            escapes = standardAsciiEscapesForJSON();
            for (char c : new char[] {'<', '>', '&'}) {
                escapes[c] = ESCAPE_STANDARD;
            }
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return escapes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return null;
        }
    }
}
