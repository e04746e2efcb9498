package dev.fedmesh.policy.trafficpermission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.TrafficPermissionSpec;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.References;
import dev.fedmesh.policy.document.Target;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.Action;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.HttpMatch;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.PathMatch;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.Rule;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.Source;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The {@code TrafficPermission} kind: reading, validation and wire form of {@link TrafficPermission}. */
public final class TrafficPermissionKind implements PolicyKind<TrafficPermission> {
    public static final String NAME = "TrafficPermission";
    /** The one claim of a policy that sets the mesh default: a tenant has at most one. */
    public static final String MESH_DEFAULT_CLAIM = "mesh default";
    static final int MAX_RULES = 100;
    static final int MAX_SOURCES = 100;
    static final int MAX_PATHS = 50;
    static final List<String> ACTIONS = List.of("ALLOW", "DENY");
    static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
    private static final List<String> SOURCE_FIELDS = List.of("spiffeId", "service", "namespace", "cluster");
    private static final List<String> PATH_FIELDS = List.of("exact", "prefix");
    static final String CLUSTER_SOURCE_REFUSED = "names cluster '%s', which no proxy can tell a caller by: a workload's"
            + " SPIFFE id is the same in every cluster and its certificate names no cluster. Give those workloads their"
            + " own service account and name them with a spiffeId or service source instead"
            + " (see docs/policies/TrafficPermission.md)";
    private static final String RULE_EXAMPLE = "[{\"action\": \"ALLOW\", \"sources\": [{\"service\": \"frontend\"}]}]";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<TrafficPermission> specType() {
        return TrafficPermission.class;
    }

    @Override
    public void checkTarget(Target target, JsonObjectReader document) {
        if (target instanceof Target.Service service && !service.selector().subset().isEmpty()) {
            document.reject("target.subset", "a TrafficPermission guards a service's identity, which all its subsets share: "
                    + "remove target.subset");
        }
    }

    /** The callers are named per rule in spec.rules[].sources, where each can be allowed or denied. */
    @Override
    public boolean acceptsFrom() {
        return false;
    }

    @Override
    public TrafficPermission readSpec(JsonObjectReader spec, Target target) {
        boolean complete = true;
        Action meshDefault = null;
        boolean hasDefault = spec.has("default");
        if (hasDefault) {
            String word = spec.optionalEnum("default", ACTIONS);
            if (word == null) {
                complete = false;
            } else if (target instanceof Target.Service) {
                spec.reject("default", "sets the default of the whole mesh, so it is only allowed with target {\"mesh\": true}: "
                        + "remove it here and set it in a mesh-wide TrafficPermission");
                complete = false;
            } else {
                meshDefault = Action.valueOf(word);
            }
        }

        boolean hasRules = spec.has("rules");
        int entries = spec.sizeOf("rules");
        List<Rule> rules = spec.objects("rules", false, this::readRule);
        boolean defaultOnly = hasDefault && !(target instanceof Target.Service);
        if (entries == 0 && !defaultOnly) {
            spec.reject("rules", (hasRules ? "must hold at least one rule" : "is required")
                    + (target instanceof Target.Mesh ? " (or set default)" : "") + ", e.g. " + RULE_EXAMPLE);
            complete = false;
        }
        if (entries > MAX_RULES) {
            spec.reject("rules", "has " + entries + " rules; at most " + MAX_RULES + " are allowed: "
                    + "split them between several TrafficPermissions");
            complete = false;
        }
        if (rules.size() != entries) {
            complete = false;
        } else {
            complete &= rejectRepeats(spec, "rules", rules, "remove the repeated rule");
        }
        return complete ? new TrafficPermission(meshDefault, rules) : null;
    }

    private Rule readRule(JsonObjectReader rule) {
        boolean complete = true;
        String action = requiredEnum(rule, "action", ACTIONS);
        int count = rule.sizeOf("sources");
        boolean hasSources = rule.has("sources");
        List<Source> sources = rule.objects("sources", true, this::readSource);
        if (hasSources && count == 0) {
            rule.reject("sources", "must name at least one source, e.g. [{\"service\": \"frontend\"}]");
            complete = false;
        }
        if (count > MAX_SOURCES) {
            rule.reject("sources", "has " + count + " sources; at most " + MAX_SOURCES + " are allowed: "
                    + "use a namespace or cluster source, or split the rule");
            complete = false;
        }
        if (sources.size() != count) {
            complete = false;
        } else {
            complete &= rejectRepeats(rule, "sources", sources, "remove the repeated source");
        }
        HttpMatch http = null;
        if (rule.has("http")) {
            JsonObjectReader httpReader = rule.requiredObject("http");
            http = httpReader == null ? null : readHttp(httpReader, rule);
            complete &= http != null;
        }
        rule.rejectUnknownFields();
        return complete && action != null ? new Rule(Action.valueOf(action), sources, http) : null;
    }

    private Source readSource(JsonObjectReader source) {
        String field = onlyOneOf(source, SOURCE_FIELDS, "a source names exactly one caller",
                "{\"service\": \"frontend\"} or {\"spiffeId\": \"" + SpiffeIds.EXAMPLE + "\"}");
        String value = field == null ? null : source.requiredString(field);
        source.rejectUnknownFields();
        if (value == null) {
            return null;
        }
        String problem = field.equals("spiffeId") ? SpiffeIds.problemWith(value)
                : Names.isValid(value) ? null : "'" + value + "' " + Names.RULE;
        if (problem != null) {
            source.reject(field, problem);
            return null;
        }
        return switch (field) {
            case "spiffeId" -> new Source.SpiffeId(value);
            case "service" -> new Source.Service(value);
            case "namespace" -> new Source.Namespace(value);
            default -> new Source.Cluster(value);
        };
    }

    private HttpMatch readHttp(JsonObjectReader http, JsonObjectReader rule) {
        boolean complete = true;
        boolean hasMethods = http.has("methods");
        int methodCount = http.sizeOf("methods");
        List<String> methods = http.strings("methods");
        if (hasMethods && methodCount == 0) {
            http.reject("methods", "must hold at least one method; leave methods out to match every method");
            complete = false;
        }
        if (methods.size() != methodCount) {
            complete = false;
        } else {
            for (int i = 0; i < methods.size(); i++) {
                if (!METHODS.contains(methods.get(i))) {
                    http.reject("methods[" + i + "]", "'" + methods.get(i) + "' is not an HTTP method: use one of " + METHODS
                            + " (upper case)");
                    complete = false;
                }
            }
            complete &= rejectRepeats(http, "methods", methods, "remove the repeated method");
        }

        boolean hasPaths = http.has("paths");
        int pathCount = http.sizeOf("paths");
        List<PathMatch> paths = http.objects("paths", false, this::readPath);
        if (hasPaths && pathCount == 0) {
            http.reject("paths", "must hold at least one path; leave paths out to match every path");
            complete = false;
        }
        if (pathCount > MAX_PATHS) {
            http.reject("paths", "has " + pathCount + " paths; at most " + MAX_PATHS + " are allowed: match a common prefix instead");
            complete = false;
        }
        if (paths.size() != pathCount) {
            complete = false;
        } else {
            complete &= rejectRepeats(http, "paths", paths, "remove the repeated path");
        }
        if (!hasMethods && !hasPaths) {
            rule.reject("http", "is empty: set methods and/or paths, or remove http to match every request from the sources");
            complete = false;
        }
        http.rejectUnknownFields();
        return complete ? new HttpMatch(methods, paths) : null;
    }

    private PathMatch readPath(JsonObjectReader match) {
        String field = onlyOneOf(match, PATH_FIELDS, "a path match is either exact or a prefix",
                "{\"exact\": \"/healthz\"} or {\"prefix\": \"/api/\"}");
        String path = field == null ? null : match.requiredString(field);
        match.rejectUnknownFields();
        if (path == null) {
            return null;
        }
        String problem = RequestPaths.problemWith(path);
        if (problem != null) {
            match.reject(field, problem);
            return null;
        }
        return field.equals("exact") ? new PathMatch.Exact(path) : new PathMatch.Prefix(path);
    }

    /** The one field of {@code choices} the object sets, or null after saying why there is not exactly one. */
    private static String onlyOneOf(JsonObjectReader object, List<String> choices, String rule, String example) {
        List<String> present = new ArrayList<>();
        for (String choice : choices) {
            if (object.has(choice)) {
                present.add(choice);
            }
        }
        if (present.isEmpty()) {
            object.reject(choices.get(0), "is missing: " + rule + ", so set exactly one of " + choices + ", e.g. " + example);
            return null;
        }
        if (present.size() > 1) {
            object.reject(present.get(1), "cannot be combined with " + present.get(0) + ": " + rule
                    + "; put each in its own entry");
            return null;
        }
        return present.get(0);
    }

    /** Records each element equal to an earlier one; true when there are none. */
    private static boolean rejectRepeats(JsonObjectReader parent, String field, List<?> elements, String fix) {
        boolean distinct = true;
        for (int i = 0; i < elements.size(); i++) {
            int first = elements.indexOf(elements.get(i));
            if (first < i) {
                parent.reject(field + "[" + i + "]", "repeats " + field + "[" + first + "]: " + fix);
                distinct = false;
            }
        }
        return distinct;
    }

    private static String requiredEnum(JsonObjectReader object, String field, List<String> allowed) {
        if (!object.has(field)) {
            object.reject(field, "is required: one of " + allowed);
            return null;
        }
        return object.optionalEnum(field, allowed);
    }

    @Override
    public References references(TrafficPermission spec) {
        Map<String, String> clusters = new TreeMap<>();
        Map<String, String> services = new TreeMap<>();
        for (int i = 0; i < spec.rules().size(); i++) {
            List<Source> sources = spec.rules().get(i).sources();
            for (int j = 0; j < sources.size(); j++) {
                String field = "spec.rules[" + i + "].sources[" + j + "]." + sources.get(j).field();
                if (sources.get(j) instanceof Source.Cluster cluster) {
                    clusters.put(field, cluster.value());
                } else if (sources.get(j) instanceof Source.Service service) {
                    services.put(field, service.value());
                }
            }
        }
        return new References(clusters, services);
    }

    /**
     * A {@code cluster} source, which no proxy can enforce: a workload's SPIFFE id is the same in
     * every cluster and no SVID names its cluster. Stored policies holding one keep failing closed.
     */
    @Override
    public List<Violation> refusedInNewWrites(TrafficPermission spec) {
        List<Violation> refused = new ArrayList<>();
        for (int i = 0; i < spec.rules().size(); i++) {
            List<Source> sources = spec.rules().get(i).sources();
            for (int j = 0; j < sources.size(); j++) {
                if (sources.get(j) instanceof Source.Cluster cluster) {
                    refused.add(new Violation("spec.rules[" + i + "].sources[" + j + "].cluster", CLUSTER_SOURCE_REFUSED
                            .formatted(cluster.value())));
                }
            }
        }
        return refused;
    }

    /** Rules of several permissions add up (DENY first); only the mesh default must be unique. */
    @Override
    public Set<String> claims(Target target, TrafficPermission spec) {
        return spec.meshDefault() == null ? Set.of() : Set.of(MESH_DEFAULT_CLAIM);
    }

    @Override
    public JsonNode writeSpec(TrafficPermission spec) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        if (spec.meshDefault() != null) {
            json.put("default", spec.meshDefault().name());
        }
        ArrayNode rules = json.putArray("rules");
        for (Rule rule : spec.rules()) {
            ObjectNode entry = rules.addObject();
            entry.put("action", rule.action().name());
            ArrayNode sources = entry.putArray("sources");
            for (Source source : rule.sources()) {
                sources.addObject().put(source.field(), source.value());
            }
            if (rule.http() != null) {
                ObjectNode http = entry.putObject("http");
                if (!rule.http().methods().isEmpty()) {
                    rule.http().methods().forEach(http.putArray("methods")::add);
                }
                if (!rule.http().paths().isEmpty()) {
                    ArrayNode paths = http.putArray("paths");
                    for (PathMatch path : rule.http().paths()) {
                        paths.addObject().put(path.field(), path.path());
                    }
                }
            }
        }
        return json;
    }

    @Override
    public void writeSpec(TrafficPermission spec, Policy.Builder policy) {
        TrafficPermissionSpec.Builder wire = TrafficPermissionSpec.newBuilder();
        if (spec.meshDefault() != null) {
            wire.setDefaultAction(toWire(spec.meshDefault()));
        }
        for (Rule rule : spec.rules()) {
            TrafficPermissionSpec.Rule.Builder wireRule = wire.addRulesBuilder().setAction(toWire(rule.action()));
            for (Source source : rule.sources()) {
                TrafficPermissionSpec.Source.Builder wireSource = wireRule.addSourcesBuilder();
                if (source instanceof Source.SpiffeId) {
                    wireSource.setSpiffeId(source.value());
                } else if (source instanceof Source.Service) {
                    wireSource.setService(source.value());
                } else if (source instanceof Source.Namespace) {
                    wireSource.setNamespace(source.value());
                } else {
                    wireSource.setCluster(source.value());
                }
            }
            if (rule.http() != null) {
                TrafficPermissionSpec.HttpMatch.Builder http = wireRule.getHttpBuilder().addAllMethods(rule.http().methods());
                for (PathMatch path : rule.http().paths()) {
                    if (path instanceof PathMatch.Exact) {
                        http.addPathsBuilder().setExact(path.path());
                    } else {
                        http.addPathsBuilder().setPrefix(path.path());
                    }
                }
            }
        }
        policy.setTrafficPermission(wire);
    }

    private static TrafficPermissionSpec.Action toWire(Action action) {
        return action == Action.ALLOW ? TrafficPermissionSpec.Action.ACTION_ALLOW : TrafficPermissionSpec.Action.ACTION_DENY;
    }
}
