package dev.fedmesh.policy.failover;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.FailoverSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.References;
import dev.fedmesh.policy.document.Target;
import dev.fedmesh.policy.failover.Failover.Step;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The {@code Failover} kind: reading, validation and wire form of {@link Failover}. */
public final class FailoverKind implements PolicyKind<Failover> {
    public static final String NAME = "Failover";
    static final int MAX_STEPS = 10;
    private static final String STEP_EXAMPLE = "{\"cluster\": \"west\"} or {\"locality\": {\"region\": \"us-west1\"}}";
    private static final String LOCALITY_RULE = "use 1-63 letters, digits, '.', '_' or '-', starting and ending with a "
            + "letter or digit, as written in the clusters' region and zone";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Failover> specType() {
        return Failover.class;
    }

    @Override
    public void checkTarget(Target target, JsonObjectReader document) {
        if (target instanceof Target.Mesh) {
            document.reject("target", "a Failover moves one service's traffic: set target.service instead of target.mesh");
        } else if (target instanceof Target.Service service && !service.selector().subset().isEmpty()) {
            document.reject("target.subset", "a Failover moves a whole service between clusters: remove target.subset");
        }
    }

    /** Failover happens in each cluster's shared endpoint data, so it cannot differ per caller. */
    @Override
    public boolean acceptsFrom() {
        return false;
    }

    @Override
    public Failover readSpec(JsonObjectReader spec, Target target) {
        boolean complete = true;
        boolean hasOrder = spec.has("order");
        int entries = spec.sizeOf("order");
        List<Step> order = spec.objects("order", true, this::readStep);
        if (hasOrder && entries == 0) {
            spec.reject("order", "must name at least one cluster or locality to fail over to, e.g. [" + STEP_EXAMPLE + "]");
            complete = false;
        }
        if (entries > MAX_STEPS) {
            spec.reject("order", "has " + entries + " entries; at most " + MAX_STEPS + " are allowed: "
                    + "fail over to a region instead of its clusters one by one");
            complete = false;
        }
        if (order.size() != entries) {
            complete = false;
        } else {
            complete &= rejectRepeats(spec, order);
        }
        Long threshold = spec.optionalInteger("healthyPercentThreshold", 1, 100);
        if (threshold == null && spec.has("healthyPercentThreshold")) {
            complete = false;
        }
        int percent = threshold == null ? Failover.DEFAULT_HEALTHY_PERCENT_THRESHOLD : threshold.intValue();
        return complete ? new Failover(order, percent) : null;
    }

    private Step readStep(JsonObjectReader step) {
        boolean hasCluster = step.has("cluster");
        boolean hasLocality = step.has("locality");
        Step result = null;
        if (hasCluster && hasLocality) {
            step.reject("locality", "cannot be combined with cluster: each entry fails over to one cluster or one locality; "
                    + "put each in its own entry");
        } else if (hasCluster) {
            String cluster = step.requiredString("cluster");
            if (cluster != null && !Names.isValid(cluster)) {
                step.reject("cluster", "'" + cluster + "' " + Names.RULE);
            } else if (cluster != null) {
                result = new Step.Cluster(cluster);
            }
        } else if (hasLocality) {
            JsonObjectReader locality = step.requiredObject("locality");
            result = locality == null ? null : readLocality(locality);
        } else {
            step.reject("cluster", "is missing: each entry names a cluster or a locality, e.g. " + STEP_EXAMPLE);
        }
        step.rejectUnknownFields();
        return result;
    }

    private Step.Locality readLocality(JsonObjectReader locality) {
        String region = locality.requiredString("region");
        String zone = locality.optionalString("zone");
        boolean valid = region != null && checkLocalityName(locality, "region", region);
        valid &= zone == null || checkLocalityName(locality, "zone", zone);
        locality.rejectUnknownFields();
        return valid ? new Step.Locality(region, zone) : null;
    }

    private static boolean checkLocalityName(JsonObjectReader locality, String field, String value) {
        if (value.isEmpty() || !Names.isValidLabelValue(value)) {
            locality.reject(field, "'" + value + "' is not a valid " + field + ": " + LOCALITY_RULE);
            return false;
        }
        return true;
    }

    /** Records each step that an earlier one already covers, since traffic would never reach it. */
    private static boolean rejectRepeats(JsonObjectReader spec, List<Step> order) {
        boolean distinct = true;
        for (int i = 0; i < order.size(); i++) {
            for (int j = 0; j < i; j++) {
                String problem = coveredBy(order.get(i), order.get(j), j);
                if (problem != null) {
                    spec.reject("order[" + i + "]", problem);
                    distinct = false;
                    break;
                }
            }
        }
        return distinct;
    }

    private static String coveredBy(Step later, Step earlier, int earlierIndex) {
        if (later.equals(earlier)) {
            return "repeats order[" + earlierIndex + "]: remove it";
        }
        if (later instanceof Step.Locality narrow && earlier instanceof Step.Locality wide && wide.covers(narrow)) {
            return "lies inside region " + wide.region() + ", which order[" + earlierIndex + "] already fails over to: "
                    + "remove it, or move it before order[" + earlierIndex + "]";
        }
        return null;
    }

    @Override
    public References references(Failover spec) {
        Map<String, String> clusters = new TreeMap<>();
        for (int i = 0; i < spec.order().size(); i++) {
            if (spec.order().get(i) instanceof Step.Cluster cluster) {
                clusters.put("spec.order[" + i + "].cluster", cluster.name());
            }
        }
        return new References(clusters, Map.of());
    }

    /** A service fails over one way: two orders for one service contradict each other. */
    @Override
    public Set<String> claims(Target target, Failover spec) {
        return target instanceof Target.Service service ? Set.of("service " + service.selector().service()) : Set.of();
    }

    @Override
    public JsonNode writeSpec(Failover spec) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        ArrayNode order = json.putArray("order");
        for (Step step : spec.order()) {
            if (step instanceof Step.Cluster cluster) {
                order.addObject().put("cluster", cluster.name());
            } else if (step instanceof Step.Locality locality) {
                ObjectNode where = order.addObject().putObject("locality");
                where.put("region", locality.region());
                if (locality.zone() != null) {
                    where.put("zone", locality.zone());
                }
            }
        }
        json.put("healthyPercentThreshold", spec.healthyPercentThreshold());
        return json;
    }

    @Override
    public void writeSpec(Failover spec, Policy.Builder policy) {
        FailoverSpec.Builder wire = FailoverSpec.newBuilder().setHealthyPercentThreshold(spec.healthyPercentThreshold());
        for (Step step : spec.order()) {
            if (step instanceof Step.Cluster cluster) {
                wire.addOrderBuilder().setCluster(cluster.name());
            } else if (step instanceof Step.Locality locality) {
                FailoverSpec.Locality.Builder where = FailoverSpec.Locality.newBuilder().setRegion(locality.region());
                if (locality.zone() != null) {
                    where.setZone(locality.zone());
                }
                wire.addOrderBuilder().setLocality(where);
            }
        }
        policy.setFailover(wire);
    }
}
