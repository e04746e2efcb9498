package dev.fedmesh.policy.trafficroute;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.TrafficRouteSpec;
import dev.fedmesh.api.v1.WeightedSubset;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.Target;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The {@code TrafficRoute} kind: reading, validation and wire form of {@link TrafficRoute}. */
public final class TrafficRouteKind implements PolicyKind<TrafficRoute> {
    public static final String NAME = "TrafficRoute";
    static final int MAX_SPLITS = 16;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<TrafficRoute> specType() {
        return TrafficRoute.class;
    }

    @Override
    public void checkTarget(Target target, JsonObjectReader document) {
        if (target instanceof Target.Mesh) {
            document.reject("target", "a TrafficRoute routes one service: set target.service instead of target.mesh");
        } else if (target instanceof Target.Service service && !service.selector().subset().isEmpty()) {
            document.reject("target.subset", "a TrafficRoute splits a whole service between subsets: "
                    + "remove target.subset and name the subsets in spec.split");
        }
    }

    /** Every proxy of a cluster shares one xDS snapshot, so a split cannot differ per caller. */
    @Override
    public boolean acceptsFrom() {
        return false;
    }

    @Override
    public TrafficRoute readSpec(JsonObjectReader spec, Target target) {
        List<TrafficRoute.Split> split = spec.objects("split", true, this::readSplit);
        int entries = spec.sizeOf("split");
        boolean complete = !split.isEmpty() && split.size() == entries;
        if (spec.has("split") && entries == 0) {
            spec.reject("split", "must name at least one subset with its weight");
        }
        if (entries > MAX_SPLITS) {
            spec.reject("split", "has " + entries + " entries; at most " + MAX_SPLITS + " are allowed");
            complete = false;
        }
        Set<Map<String, String>> seen = new HashSet<>();
        for (int i = 0; i < split.size(); i++) {
            if (!seen.add(split.get(i).subset())) {
                spec.reject("split[" + i + "].subset", "selects the same subset as an earlier entry: merge their weights");
                complete = false;
            }
        }
        int total = split.stream().mapToInt(TrafficRoute.Split::weight).sum();
        if (complete && total != 100) {
            spec.reject("split", "weights add up to " + total + "; they must add up to 100");
            complete = false;
        }
        return complete ? new TrafficRoute(split) : null;
    }

    private TrafficRoute.Split readSplit(JsonObjectReader entry) {
        boolean hasSubset = entry.has("subset");
        Map<String, String> subset = entry.labels("subset");
        if (!hasSubset) {
            entry.reject("subset", "is required: the endpoint labels that select this share, e.g. {\"version\": \"v2\"}");
        }
        Long weight = entry.requiredInteger("weight", 0, 100);
        entry.rejectUnknownFields();
        return hasSubset && weight != null ? new TrafficRoute.Split(subset, weight.intValue()) : null;
    }

    @Override
    public JsonNode writeSpec(TrafficRoute spec) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        ArrayNode split = json.putArray("split");
        for (TrafficRoute.Split share : spec.split()) {
            ObjectNode entry = split.addObject();
            entry.set("subset", PolicyJson.writeLabels(share.subset()));
            entry.put("weight", share.weight());
        }
        return json;
    }

    @Override
    public void writeSpec(TrafficRoute spec, Policy.Builder policy) {
        TrafficRouteSpec.Builder wire = TrafficRouteSpec.newBuilder();
        for (TrafficRoute.Split share : spec.split()) {
            wire.addSplit(WeightedSubset.newBuilder().putAllLabels(share.subset()).setWeight(share.weight()));
        }
        policy.setTrafficRoute(wire);
    }
}
