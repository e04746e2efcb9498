package dev.fedmesh.policy.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat.TypeRegistry;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.pgv.validate.Validate;
import io.envoyproxy.pgv.validate.Validate.FieldRules;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Checks xDS resources against the protoc-gen-validate rules in Envoy's own proto definitions
 * (the checks Envoy runs before it accepts a resource): required messages and oneofs, string
 * lengths, number and duration bounds, defined enums, repeated sizes, Any types, deprecated fields.
 * Envoy cannot run on our machines; this is how its constraints are held in tests, here and in the
 * agent's (which get this class from policy's test jar).
 */
public final class EnvoyConstraints {

    /** The types our resources, and the Envoy bootstraps our docs show, pack into Any. */
    public static final TypeRegistry TYPES = TypeRegistry.newBuilder()
            .add(HttpConnectionManager.getDescriptor())
            .add(Router.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
            .add(DownstreamTlsContext.getDescriptor())
            .add(UpstreamTlsContext.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
            .build();

    /**
     * Deprecated fields we set on purpose: grpc-java checks a server's SPIFFE id only through
     * {@code match_subject_alt_names}; Envoy reads {@code match_typed_subject_alt_names}, set beside
     * it, and ignores the deprecated list when both are set.
     */
    private static final Set<String> DEPRECATED_FOR_GRPC = Set.of(
            "envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.match_subject_alt_names");

    private EnvoyConstraints() {
    }

    /** Fails, naming the resource's type and what it breaks, when any resource Envoy would be sent breaks a rule. */
    public static void assertAllValid(XdsResources resources) {
        Stream.of(resources.listeners(), resources.routes(), resources.clusters(), resources.endpoints())
                .flatMap(List::stream)
                .forEach(resource -> assertThat(violations(resource))
                        .as("Envoy constraints of %s", resource.getClass().getSimpleName())
                        .isEmpty());
    }

    public static List<String> violations(Message message) {
        List<String> out = new ArrayList<>();
        check(message, message.getDescriptorForType().getName(), out);
        return out;
    }

    private static void check(Message message, String path, List<String> out) {
        Descriptor type = message.getDescriptorForType();
        if (type.getFullName().equals(Any.getDescriptor().getFullName())) {
            checkAny(message, path, out);
            return;
        }
        for (OneofDescriptor oneof : type.getRealOneofs()) {
            if (oneof.getOptions().getExtension(Validate.required) && !message.hasOneof(oneof)) {
                out.add(path + ": one of '" + oneof.getName() + "' is required");
            }
        }
        for (FieldDescriptor field : type.getFields()) {
            String at = path + "." + field.getName();
            FieldRules rules = field.getOptions().getExtension(Validate.rules);
            boolean set = field.isRepeated() ? message.getRepeatedFieldCount(field) > 0 : message.hasField(field);
            if (set && field.getOptions().getDeprecated() && !DEPRECATED_FOR_GRPC.contains(field.getFullName())) {
                out.add(at + ": deprecated field is set");
            }
            if (field.isRepeated()) {
                int count = message.getRepeatedFieldCount(field);
                if (rules.hasRepeated()) {
                    Validate.RepeatedRules repeated = rules.getRepeated();
                    if (repeated.hasMinItems() && count < repeated.getMinItems()) {
                        out.add(at + ": needs at least " + repeated.getMinItems() + " items, has " + count);
                    }
                    if (repeated.hasMaxItems() && count > repeated.getMaxItems()) {
                        out.add(at + ": allows at most " + repeated.getMaxItems() + " items, has " + count);
                    }
                }
                for (int i = 0; i < count; i++) {
                    Object element = message.getRepeatedField(field, i);
                    if (rules.hasRepeated() && rules.getRepeated().hasItems()) {
                        checkValue(rules.getRepeated().getItems(), field, element, at + "[" + i + "]", out);
                    }
                    if (element instanceof Message nested) {
                        check(nested, at + "[" + i + "]", out);
                    }
                }
                continue;
            }
            boolean inUnsetOneof = field.getRealContainingOneof() != null && !set;
            if (inUnsetOneof) {
                continue;
            }
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                if (rules.hasMessage() && rules.getMessage().getRequired() && !set) {
                    out.add(at + ": is required");
                }
                if (rules.hasDuration() && rules.getDuration().getRequired() && !set) {
                    out.add(at + ": is required");
                }
                if (rules.hasAny() && rules.getAny().getRequired() && !set) {
                    out.add(at + ": is required");
                }
                if (set) {
                    checkValue(rules, field, message.getField(field), at, out);
                    check((Message) message.getField(field), at, out);
                }
            } else {
                checkValue(rules, field, message.getField(field), at, out);
            }
        }
    }

    private static void checkAny(Message any, String path, List<String> out) {
        Descriptor type = any.getDescriptorForType();
        String typeUrl = (String) any.getField(type.findFieldByName("type_url"));
        ByteString value = (ByteString) any.getField(type.findFieldByName("value"));
        try {
            Descriptor packed = TYPES.find(typeUrl.substring(typeUrl.lastIndexOf('/') + 1));
            if (packed == null) {
                out.add(path + ": Any of unknown type " + typeUrl);
                return;
            }
            check(DynamicMessage.parseFrom(packed, value), path + "<" + packed.getName() + ">", out);
        } catch (InvalidProtocolBufferException e) {
            out.add(path + ": Any of type " + typeUrl + " does not parse: " + e.getMessage());
        }
    }

    private static void checkValue(FieldRules rules, FieldDescriptor field, Object value, String at, List<String> out) {
        if (value instanceof Message wrapper && isWrapper(wrapper)) {
            value = wrapper.getField(wrapper.getDescriptorForType().findFieldByName("value"));
        }
        switch (rules.getTypeCase()) {
            case STRING -> checkString(rules.getString(), (String) value, at, out);
            case UINT32 -> {
                Validate.UInt32Rules r = rules.getUint32();
                long v = Integer.toUnsignedLong((Integer) value);
                bounds(v, r.hasGt() ? Integer.toUnsignedLong(r.getGt()) : null,
                        r.hasGte() ? Integer.toUnsignedLong(r.getGte()) : null,
                        r.hasLt() ? Integer.toUnsignedLong(r.getLt()) : null,
                        r.hasLte() ? Integer.toUnsignedLong(r.getLte()) : null, at, out);
            }
            case INT32 -> {
                Validate.Int32Rules r = rules.getInt32();
                bounds((Integer) value, r.hasGt() ? (long) r.getGt() : null, r.hasGte() ? (long) r.getGte() : null,
                        r.hasLt() ? (long) r.getLt() : null, r.hasLte() ? (long) r.getLte() : null, at, out);
            }
            case UINT64 -> {
                Validate.UInt64Rules r = rules.getUint64();
                bounds((Long) value, r.hasGt() ? r.getGt() : null, r.hasGte() ? r.getGte() : null,
                        r.hasLt() ? r.getLt() : null, r.hasLte() ? r.getLte() : null, at, out);
            }
            case INT64 -> {
                Validate.Int64Rules r = rules.getInt64();
                bounds((Long) value, r.hasGt() ? r.getGt() : null, r.hasGte() ? r.getGte() : null,
                        r.hasLt() ? r.getLt() : null, r.hasLte() ? r.getLte() : null, at, out);
            }
            case ENUM -> {
                EnumValueDescriptor e = (EnumValueDescriptor) value;
                if (rules.getEnum().getDefinedOnly() && field.getEnumType().findValueByNumber(e.getNumber()) == null) {
                    out.add(at + ": enum value " + e.getNumber() + " is not defined");
                }
            }
            case DURATION -> {
                Message d = (Message) value;
                long nanos = (Long) d.getField(d.getDescriptorForType().findFieldByName("seconds")) * 1_000_000_000L
                        + (Integer) d.getField(d.getDescriptorForType().findFieldByName("nanos"));
                Validate.DurationRules r = rules.getDuration();
                bounds(nanos, r.hasGt() ? nanos(r.getGt()) : null, r.hasGte() ? nanos(r.getGte()) : null,
                        r.hasLt() ? nanos(r.getLt()) : null, r.hasLte() ? nanos(r.getLte()) : null, at, out);
            }
            case ANY -> {
                Message a = (Message) value;
                String typeUrl = (String) a.getField(a.getDescriptorForType().findFieldByName("type_url"));
                if (rules.getAny().getInCount() > 0 && !rules.getAny().getInList().contains(typeUrl)) {
                    out.add(at + ": Any type " + typeUrl + " is not one of " + rules.getAny().getInList());
                }
            }
            default -> {
            }
        }
    }

    private static void checkString(Validate.StringRules r, String value, String at, List<String> out) {
        if (r.getIgnoreEmpty() && value.isEmpty()) {
            return;
        }
        long chars = value.codePointCount(0, value.length());
        long bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (r.hasMinLen() && chars < r.getMinLen()) {
            out.add(at + ": needs at least " + r.getMinLen() + " characters, has '" + value + "'");
        }
        if (r.hasMaxLen() && chars > r.getMaxLen()) {
            out.add(at + ": allows at most " + r.getMaxLen() + " characters");
        }
        if (r.hasMinBytes() && bytes < r.getMinBytes()) {
            out.add(at + ": needs at least " + r.getMinBytes() + " bytes, has '" + value + "'");
        }
        if (r.hasMaxBytes() && bytes > r.getMaxBytes()) {
            out.add(at + ": allows at most " + r.getMaxBytes() + " bytes");
        }
    }

    private static void bounds(long v, Long gt, Long gte, Long lt, Long lte, String at, List<String> out) {
        if (gt != null && !(v > gt)) {
            out.add(at + ": must be > " + gt + ", is " + v);
        }
        if (gte != null && !(v >= gte)) {
            out.add(at + ": must be >= " + gte + ", is " + v);
        }
        if (lt != null && !(v < lt)) {
            out.add(at + ": must be < " + lt + ", is " + v);
        }
        if (lte != null && !(v <= lte)) {
            out.add(at + ": must be <= " + lte + ", is " + v);
        }
    }

    private static long nanos(com.google.protobuf.Duration d) {
        return d.getSeconds() * 1_000_000_000L + d.getNanos();
    }

    private static boolean isWrapper(Message m) {
        return m.getDescriptorForType().getFile().getName().equals("google/protobuf/wrappers.proto");
    }
}
