package dev.fedmesh.policy.xds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Renders XdsResources as pretty JSON (proto3 JSON mapping, Any unpacked) for golden files. */
public final class XdsJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(EnvoyConstraints.TYPES);

    private XdsJson() {
    }

    public static String render(XdsResources resources) {
        ObjectNode root = MAPPER.createObjectNode();
        root.set("listeners", array(resources.listeners()));
        root.set("routes", array(resources.routes()));
        root.set("clusters", array(resources.clusters()));
        root.set("endpoints", array(resources.endpoints()));
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ArrayNode array(List<? extends Message> messages) {
        ArrayNode array = MAPPER.createArrayNode();
        for (Message message : messages) {
            try {
                array.add(MAPPER.readTree(PRINTER.print(message)));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("cannot print " + message.getDescriptorForType().getFullName(), e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return array;
    }
}
