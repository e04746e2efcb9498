package dev.fedmesh.controlapi.grpc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code grpcurl … -d '<json>' $FEDMESH_GRPC <service>/<method>} call written in the docs. The
 * JSON may splice in a shell variable the reader set from an earlier answer, as {@code '"$id"'}.
 */
record GrpcurlExample(String fullMethodName, String json) {
    private static final Pattern CALL = Pattern.compile(
            "grpcurl [^\\n]*?-d '(?<json>(?:[^']|'\"\\$\\w+\"')*)'[\\s\\\\]*\\$FEDMESH_GRPC (?<method>fedmesh\\.v1\\.\\w+/\\w+)");

    /** The JSON with the shell variable {@code name} replaced by {@code value}. */
    String json(String name, String value) {
        return json(Map.of(name, value));
    }

    /** The JSON with each shell variable named in {@code values} replaced by its value. */
    String json(Map<String, String> values) {
        String spliced = json;
        for (Map.Entry<String, String> value : values.entrySet()) {
            spliced = spliced.replace("'\"$" + value.getKey() + "\"'", value.getValue());
        }
        return spliced;
    }

    /** Every such call in {@code document}, in the order a reader would run them. */
    static List<GrpcurlExample> in(Path document) throws IOException {
        Matcher matcher = CALL.matcher(Files.readString(document));
        List<GrpcurlExample> examples = new ArrayList<>();
        while (matcher.find()) {
            examples.add(new GrpcurlExample(matcher.group("method"), matcher.group("json")));
        }
        return examples;
    }
}
