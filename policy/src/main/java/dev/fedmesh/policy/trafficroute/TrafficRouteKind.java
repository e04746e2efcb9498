package dev.fedmesh.policy.trafficroute;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.TrafficRouteHeaderMatch;
import dev.fedmesh.api.v1.TrafficRouteMatch;
import dev.fedmesh.api.v1.TrafficRouteRule;
import dev.fedmesh.api.v1.TrafficRouteSpec;
import dev.fedmesh.api.v1.WeightedSubset;
import dev.fedmesh.policy.document.Durations;
import dev.fedmesh.policy.document.DataPlane;
import dev.fedmesh.policy.document.Unenforced;
import dev.fedmesh.policy.document.ServiceSelector;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.References;
import dev.fedmesh.policy.document.Target;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The {@code TrafficRoute} kind: reading, validation and wire form of {@link TrafficRoute}. */
public final class TrafficRouteKind implements PolicyKind<TrafficRoute> {
    public static final String NAME = "TrafficRoute";
    static final int MAX_SPLITS = 16;
    static final int MAX_RULES = 32;
    static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
    static final Duration MAX_TIMEOUT = Duration.ofHours(1);

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

    /**
     * gRPC keeps the HTTP method out of the headers its routes match and rewrites no path; and a
     * route narrowed to some sources is left out by every proxy, since a cluster's proxies share one
     * set of routes.
     */
    @Override
    public List<Unenforced> unenforced(Target target, List<ServiceSelector> from, TrafficRoute spec) {
        List<Unenforced> parts = new ArrayList<>();
        if (!from.isEmpty()) {
            for (DataPlane plane : List.of(DataPlane.PROXYLESS_GRPC, DataPlane.ENVOY_SIDECAR)) {
                parts.add(new Unenforced(plane, "from",
                        "routes cannot differ per caller yet: this route is left out; drop from to apply it to every caller"));
            }
        }
        List<TrafficRoute.Rule> rules = spec.rules() == null ? List.of() : spec.rules();
        for (int i = 0; i < rules.size(); i++) {
            TrafficRoute.Rule rule = rules.get(i);
            if (rule.match() != null && rule.match().method() != null) {
                parts.add(new Unenforced(DataPlane.PROXYLESS_GRPC, "spec.rules[" + i + "].match.method",
                        "gRPC does not match on the HTTP method, so this rule never takes a proxyless call (all are POST)"));
            }
            if (rule.rewritePrefix() != null) {
                parts.add(new Unenforced(DataPlane.PROXYLESS_GRPC, "spec.rules[" + i + "].rewrite",
                        "gRPC does not rewrite paths: proxyless calls keep theirs"));
            }
        }
        return parts;
    }

    @Override
    public TrafficRoute readSpec(JsonObjectReader spec, Target target) {
        boolean hasSplit = spec.has("split");
        boolean hasRules = spec.has("rules");
        if (hasSplit && hasRules) {
            spec.reject("rules", "cannot be combined with spec.split: move the split into a rule without a match, last");
            return null;
        }
        if (hasRules) {
            List<TrafficRoute.Rule> rules = readRules(spec);
            return rules == null ? null : new TrafficRoute(List.of(), rules);
        }
        if (!hasSplit) {
            spec.reject("split", "is required: give spec.split (one split of every call) or spec.rules (matched in order)");
            spec.ignore("rules");
            return null;
        }
        List<TrafficRoute.Split> split = readSplits(spec);
        return split == null ? null : new TrafficRoute(split);
    }

    private List<TrafficRoute.Rule> readRules(JsonObjectReader spec) {
        int entries = spec.sizeOf("rules");
        List<TrafficRoute.Rule> rules = spec.objects("rules", true, this::readRule);
        boolean complete = entries > 0 && rules.size() == entries;
        if (spec.has("rules") && entries == 0) {
            spec.reject("rules", "must hold at least one rule");
        }
        if (entries > MAX_RULES) {
            spec.reject("rules", "has " + entries + " entries; at most " + MAX_RULES + " are allowed");
            complete = false;
        }
        if (!complete) {
            return null;
        }
        Map<String, Integer> firstByKey = new HashMap<>();
        Integer catchAll = null;
        for (int i = 0; i < rules.size(); i++) {
            RouteMatch match = rules.get(i).match();
            Integer earlier = firstByKey.putIfAbsent(match.key(), i);
            if (catchAll != null) {
                spec.reject("rules[" + i + "]", "comes after spec.rules[" + catchAll + "], which matches every call, so it would"
                        + " never be used: put the rule without a match last");
                complete = false;
            } else if (earlier != null) {
                spec.reject("rules[" + i + "].match", "matches exactly what spec.rules[" + earlier + "] matches, so it would"
                        + " never be used: change its match or merge the two rules");
                complete = false;
            }
            if (match.matchesEverything() && catchAll == null) {
                catchAll = i;
            }
        }
        return complete ? rules : null;
    }

    private TrafficRoute.Rule readRule(JsonObjectReader rule) {
        RouteMatch match = RouteMatchReader.read(rule);
        List<TrafficRoute.Split> split = readSplits(rule);
        String rewrite = null;
        boolean valid = match != null && split != null;
        JsonObjectReader rewriteReader = rule.optionalObject("rewrite");
        if (rewriteReader != null) {
            rewrite = rewriteReader.requiredString("prefix");
            rewriteReader.rejectUnknownFields();
            if (rewrite != null && RouteMatchReader.pathProblem(rewrite) != null) {
                rewriteReader.reject("prefix", "'" + RouteMatchReader.printable(rewrite) + "' " + RouteMatchReader.PATH_RULE);
                rewrite = null;
            }
            if (rewrite != null && match != null
                    && (match.path() == null || match.path().type() != RouteMatch.PathMatchType.PREFIX)) {
                rule.reject("rewrite", "replaces the matched path prefix, so it needs match.path.prefix: add one, or remove rewrite");
                rewrite = null;
            }
            valid &= rewrite != null;
        } else if (rule.has("rewrite")) {
            valid = false;
        }
        Duration timeout = rule.optionalDuration("timeout", MIN_TIMEOUT, MAX_TIMEOUT);
        valid &= timeout != null || !rule.has("timeout");
        rule.rejectUnknownFields();
        return valid ? new TrafficRoute.Rule(match, split, rewrite, timeout) : null;
    }

    /** The {@code split} of a spec or rule, or null when invalid (after recording why). */
    private List<TrafficRoute.Split> readSplits(JsonObjectReader owner) {
        int entries = owner.sizeOf("split");
        List<TrafficRoute.Split> split = owner.objects("split", true, this::readSplit);
        boolean complete = !split.isEmpty() && split.size() == entries;
        if (owner.has("split") && entries == 0) {
            owner.reject("split", "must name at least one subset with its weight");
        }
        if (entries > MAX_SPLITS) {
            owner.reject("split", "has " + entries + " entries; at most " + MAX_SPLITS + " are allowed");
            complete = false;
        }
        Set<List<Object>> seen = new HashSet<>();
        for (int i = 0; i < split.size() && split.size() == entries; i++) {
            TrafficRoute.Split share = split.get(i);
            if (!seen.add(Arrays.asList(share.subset(), share.cluster()))) {
                owner.reject("split[" + i + "].subset", "selects the same subset"
                        + (share.cluster() == null ? "" : " of the same cluster") + " as an earlier entry: merge their weights");
                complete = false;
            }
        }
        int total = split.stream().mapToInt(TrafficRoute.Split::weight).sum();
        if (complete && total != 100) {
            owner.reject("split", "weights add up to " + total + "; they must add up to 100");
            complete = false;
        }
        return complete ? split : null;
    }

    private TrafficRoute.Split readSplit(JsonObjectReader entry) {
        boolean hasSubset = entry.has("subset");
        Map<String, String> subset = entry.labels("subset");
        if (!hasSubset) {
            entry.reject("subset", "is required: the endpoint labels that select this share, e.g. {\"version\": \"v2\"}");
        }
        String cluster = entry.optionalString("cluster");
        boolean clusterValid = true;
        if (cluster != null && !Names.isValid(cluster)) {
            entry.reject("cluster", "'" + RouteMatchReader.printable(cluster) + "' " + Names.RULE);
            clusterValid = false;
        } else if (cluster == null && entry.has("cluster")) {
            clusterValid = false;
        }
        Long weight = entry.requiredInteger("weight", 0, 100);
        entry.rejectUnknownFields();
        return hasSubset && clusterValid && weight != null ? new TrafficRoute.Split(subset, cluster, weight.intValue()) : null;
    }

    /** The clusters the splits send calls to, keyed by the field that names each. */
    @Override
    public References references(TrafficRoute spec) {
        Map<String, String> clusters = new LinkedHashMap<>();
        if (spec.rules().isEmpty()) {
            addClusters("spec.split", spec.split(), clusters);
        }
        for (int i = 0; i < spec.rules().size(); i++) {
            addClusters("spec.rules[" + i + "].split", spec.rules().get(i).split(), clusters);
        }
        return new References(clusters, Map.of());
    }

    private static void addClusters(String path, List<TrafficRoute.Split> split, Map<String, String> clusters) {
        for (int i = 0; i < split.size(); i++) {
            if (split.get(i).cluster() != null) {
                clusters.put(path + "[" + i + "].cluster", split.get(i).cluster());
            }
        }
    }

    /**
     * The service together with each rule's match, e.g. {@code service greeter match path prefix /api; method GET}
     * ({@code service greeter match *} for the short form): two routes of one service matching the same calls
     * contradict each other.
     */
    @Override
    public Set<String> claims(Target target, TrafficRoute spec) {
        if (!(target instanceof Target.Service service)) {
            return Set.of();
        }
        Set<String> claims = new LinkedHashSet<>();
        for (TrafficRoute.Rule rule : spec.effectiveRules()) {
            claims.add(claim(service.selector().service(), rule.match()));
        }
        return claims;
    }

    static String claim(String service, RouteMatch match) {
        return "service " + service + " match " + match.key();
    }

    @Override
    public JsonNode writeSpec(TrafficRoute spec) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        if (spec.rules().isEmpty()) {
            writeSplits(spec.split(), json.putArray("split"));
            return json;
        }
        ArrayNode rules = json.putArray("rules");
        for (TrafficRoute.Rule rule : spec.rules()) {
            ObjectNode entry = rules.addObject();
            if (!rule.match().matchesEverything()) {
                writeMatch(rule.match(), entry.putObject("match"));
            }
            writeSplits(rule.split(), entry.putArray("split"));
            if (rule.rewritePrefix() != null) {
                entry.putObject("rewrite").put("prefix", rule.rewritePrefix());
            }
            if (rule.timeout() != null) {
                entry.put("timeout", Durations.format(rule.timeout()));
            }
        }
        return json;
    }

    private static void writeMatch(RouteMatch match, ObjectNode json) {
        if (match.path() != null) {
            json.putObject("path").put(match.path().type().word(), match.path().value());
        }
        if (match.method() != null) {
            json.put("method", match.method());
        }
        if (!match.headers().isEmpty()) {
            ArrayNode headers = json.putArray("headers");
            for (RouteMatch.HeaderMatch header : match.headers()) {
                ObjectNode entry = headers.addObject().put("name", header.name());
                if (header.type() == RouteMatch.HeaderMatchType.PRESENT) {
                    entry.put("present", true);
                } else {
                    entry.put(header.type().word(), header.value());
                }
            }
        }
    }

    private static void writeSplits(List<TrafficRoute.Split> split, ArrayNode json) {
        for (TrafficRoute.Split share : split) {
            ObjectNode entry = json.addObject();
            entry.set("subset", PolicyJson.writeLabels(share.subset()));
            if (share.cluster() != null) {
                entry.put("cluster", share.cluster());
            }
            entry.put("weight", share.weight());
        }
    }

    @Override
    public void writeSpec(TrafficRoute spec, Policy.Builder policy) {
        TrafficRouteSpec.Builder wire = TrafficRouteSpec.newBuilder();
        if (spec.rules().isEmpty()) {
            wire.addAllSplit(toWire(spec.split()));
        }
        for (TrafficRoute.Rule rule : spec.rules()) {
            TrafficRouteRule.Builder wireRule = TrafficRouteRule.newBuilder().addAllSplit(toWire(rule.split()));
            if (!rule.match().matchesEverything()) {
                wireRule.setMatch(toWire(rule.match()));
            }
            if (rule.rewritePrefix() != null) {
                wireRule.setRewritePrefix(rule.rewritePrefix());
            }
            if (rule.timeout() != null) {
                wireRule.setTimeoutMs(rule.timeout().toMillis());
            }
            wire.addRules(wireRule);
        }
        policy.setTrafficRoute(wire);
    }

    private static TrafficRouteMatch toWire(RouteMatch match) {
        TrafficRouteMatch.Builder wire = TrafficRouteMatch.newBuilder();
        if (match.path() != null) {
            switch (match.path().type()) {
                case EXACT -> wire.setPathExact(match.path().value());
                case PREFIX -> wire.setPathPrefix(match.path().value());
                case REGEX -> wire.setPathRegex(match.path().value());
            }
        }
        if (match.method() != null) {
            wire.setMethod(match.method());
        }
        for (RouteMatch.HeaderMatch header : match.headers()) {
            TrafficRouteHeaderMatch.Builder wireHeader = TrafficRouteHeaderMatch.newBuilder().setName(header.name());
            switch (header.type()) {
                case EXACT -> wireHeader.setExact(header.value());
                case PREFIX -> wireHeader.setPrefix(header.value());
                case PRESENT -> wireHeader.setPresent(true);
            }
            wire.addHeaders(wireHeader);
        }
        return wire.build();
    }

    private static List<WeightedSubset> toWire(List<TrafficRoute.Split> split) {
        List<WeightedSubset> wire = new ArrayList<>();
        for (TrafficRoute.Split share : split) {
            WeightedSubset.Builder subset = WeightedSubset.newBuilder().putAllLabels(share.subset()).setWeight(share.weight());
            if (share.cluster() != null) {
                subset.setCluster(share.cluster());
            }
            wire.add(subset.build());
        }
        return wire;
    }
}
