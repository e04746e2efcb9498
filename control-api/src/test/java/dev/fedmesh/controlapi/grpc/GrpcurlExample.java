package dev.fedmesh.controlapi.grpc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One {@code grpcurl … -d '<json>' $FEDMESH_GRPC <service>/<method>} call written in the docs. */
record GrpcurlExample(String fullMethodName, String json) {
    private static final Pattern CALL = Pattern.compile(
            "grpcurl [^\\n]*?-d '(?<json>[^']*)'[\\s\\\\]*\\$FEDMESH_GRPC (?<method>fedmesh\\.v1\\.\\w+/\\w+)");

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
