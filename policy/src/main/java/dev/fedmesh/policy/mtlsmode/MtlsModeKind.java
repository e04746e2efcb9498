package dev.fedmesh.policy.mtlsmode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.Target;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** The {@code MtlsMode} kind: reading, validation and wire form of {@link MtlsMode}. */
public final class MtlsModeKind implements PolicyKind<MtlsMode> {
    public static final String NAME = "MtlsMode";
    static final List<String> MODES = Arrays.stream(MtlsMode.Mode.values()).map(Enum::name).toList();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<MtlsMode> specType() {
        return MtlsMode.class;
    }

    @Override
    public void checkTarget(Target target, JsonObjectReader document) {
        if (target instanceof Target.Service service && !service.selector().subset().isEmpty()) {
            document.reject("target.subset", "all endpoints of a service share one mTLS mode: remove target.subset");
        }
    }

    /** The mode is how the target's own workloads accept connections, the same for every caller. */
    @Override
    public boolean acceptsFrom() {
        return false;
    }

    @Override
    public MtlsMode readSpec(JsonObjectReader spec, Target target) {
        if (!spec.has("mode")) {
            spec.reject("mode", "is required: one of " + MODES + ", e.g. {\"mode\": \"STRICT\"}");
            return null;
        }
        String mode = spec.optionalEnum("mode", MODES);
        return mode == null ? null : new MtlsMode(MtlsMode.Mode.valueOf(mode));
    }

    /** One mode per mesh and one per service: a service's mode overrides the mesh's, two for one target contradict. */
    @Override
    public Set<String> claims(Target target, MtlsMode spec) {
        return Set.of(target instanceof Target.Service service ? "service " + service.selector().service() : "mesh");
    }

    @Override
    public JsonNode writeSpec(MtlsMode spec) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("mode", spec.mode().name());
        return json;
    }

    @Override
    public void writeSpec(MtlsMode spec, Policy.Builder policy) {
        policy.setMtlsMode(MtlsModeSpec.newBuilder().setMode(spec.mode() == MtlsMode.Mode.STRICT
                ? MtlsModeSpec.Mode.MODE_STRICT : MtlsModeSpec.Mode.MODE_PERMISSIVE));
    }
}
