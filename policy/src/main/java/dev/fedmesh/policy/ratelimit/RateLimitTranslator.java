package dev.fedmesh.policy.ratelimit;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.RateLimitSpec;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.policy.xds.WorkloadIdentities;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.metadata.v3.MetadataKey;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * RateLimit's xDS translation, for an Envoy sidecar in front of one workload: each RateLimit on the
 * workload's service (or on a subset whose labels the workload carries) becomes Envoy's
 * {@code local_ratelimit} HTTP filter {@value #FILTER_PREFIX}{@code <policy>}, a token bucket
 * holding {@code requests + burst} tokens and refilled with {@code requests} every
 * {@code interval}, shared by every connection of the sidecar. A request counts only when it
 * matches the policy's {@code match} (method on {@code :method}; an exact path on the URL path with
 * any query string, a prefix on {@code :path}): the filter's own {@code rate_limits} make one
 * descriptor per policy, and a request that does not match makes none, so it passes.
 *
 * <p>With {@code from}, each source service counts in its own bucket, and callers of no named
 * source are not counted at all. Callers are told apart as TrafficPermission tells them apart, by
 * the URI SAN of their certificate ({@link WorkloadIdentities#ofService}): an RBAC filter in shadow
 * mode (it never denies) just before the limit names the matching source in the dynamic metadata
 * the limit's descriptor reads. A source's subset labels cannot be told from a certificate: every
 * workload of the source service counts in that source's bucket. A plaintext caller shows no
 * certificate, matches no source and is not counted.
 *
 * <p>A limited request is answered at once with {@code httpStatus}; a gRPC call with
 * {@code RESOURCE_EXHAUSTED} (HTTP 200, as gRPC carries its status), which gRPC's retry policies do
 * not retry by default. Envoy's HttpStatus names most statuses of 400–599 but not all: one it does
 * not name ({@link #envoyStatus}) is answered 429.
 */
public final class RateLimitTranslator {

    /** Filters of one policy are named this prefix and the policy's name. */
    public static final String FILTER_PREFIX = "fedmesh.rate-limit.";
    /** Envoy's local rate limit HTTP filter. */
    public static final String LOCAL_RATE_LIMIT = "envoy.filters.http.local_ratelimit";
    /** The descriptor entry naming the policy; every descriptor of a policy starts with it. */
    public static final String POLICY_KEY = "fedmesh.rate-limit";
    /** The descriptor entry naming the caller's source service, for a policy with {@code from}. */
    public static final String SOURCE_KEY = "fedmesh.source";

    private static final String METHOD_KEY = "fedmesh.method";
    private static final String PATH_KEY = "fedmesh.path";
    /** Where Envoy's RBAC HTTP filter writes its dynamic metadata. */
    private static final String RBAC_METADATA = "envoy.filters.http.rbac";
    private static final String SHADOW_POLICY_ID = "shadow_effective_policy_id";

    private RateLimitTranslator() {
    }

    /**
     * The HTTP filters limiting the requests to a workload of {@code service} carrying
     * {@code labels}, to go after the RBAC filters and before the router; empty when no RateLimit
     * applies. {@code trustDomain} is the tenant's, naming the sources' SPIFFE ids.
     */
    public static List<HttpFilter> httpFilters(String service, Map<String, String> labels, String trustDomain,
                                               List<Policy> policies) {
        List<HttpFilter> filters = new ArrayList<>();
        policies.stream()
                .filter(p -> RateLimitKind.NAME.equals(p.getKind()) && p.hasRateLimit())
                .filter(p -> p.getTarget().hasService() && appliesTo(p.getTarget().getService(), service, labels))
                .sorted(Comparator.comparing(Policy::getName))
                .forEach(policy -> {
                    TreeSet<String> sources = new TreeSet<>();
                    policy.getFromList().forEach(source -> sources.add(source.getService()));
                    if (!sources.isEmpty()) {
                        filters.add(sourcesFilter(policy.getName(), sources, trustDomain));
                    }
                    filters.add(limitFilter(policy, sources));
                });
        return filters;
    }

    /** The status Envoy answers for {@code httpStatus}: itself when Envoy's HttpStatus names it, else 429. */
    public static StatusCode envoyStatus(int httpStatus) {
        StatusCode code = StatusCode.forNumber(httpStatus);
        return code == null || code == StatusCode.Empty ? StatusCode.TooManyRequests : code;
    }

    private static boolean appliesTo(ServiceSubset target, String service, Map<String, String> labels) {
        return target.getService().equals(service)
                && target.getLabelsMap().entrySet().stream()
                .allMatch(label -> label.getValue().equals(labels.get(label.getKey())));
    }

    /** The RBAC filter, in shadow mode only, that names the caller's source in the dynamic metadata. */
    private static HttpFilter sourcesFilter(String policy, TreeSet<String> sources, String trustDomain) {
        RBAC.Builder rules = RBAC.newBuilder().setAction(RBAC.Action.ALLOW);
        for (String source : sources) {
            rules.putPolicies(source, io.envoyproxy.envoy.config.rbac.v3.Policy.newBuilder()
                    .addPermissions(Permission.newBuilder().setAny(true))
                    .addPrincipals(Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                            .setPrincipalName(WorkloadIdentities.ofService(trustDomain, source))))
                    .build());
        }
        return HttpFilter.newBuilder()
                .setName(FILTER_PREFIX + policy + ".sources")
                .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder()
                        .setShadowRules(rules)
                        .setShadowRulesStatPrefix(metadataPrefix(policy))
                        .build()))
                .build();
    }

    private static HttpFilter limitFilter(Policy policy, TreeSet<String> sources) {
        RateLimitSpec spec = policy.getRateLimit();
        String name = policy.getName();
        TokenBucket bucket = TokenBucket.newBuilder()
                .setMaxTokens(spec.getRequests() + spec.getBurst())
                .setTokensPerFill(UInt32Value.of(spec.getRequests()))
                .setFillInterval(spec.getInterval())
                .build();
        RateLimit.Builder actions = RateLimit.newBuilder()
                .addActions(RateLimit.Action.newBuilder().setGenericKey(RateLimit.Action.GenericKey.newBuilder()
                        .setDescriptorKey(POLICY_KEY)
                        .setDescriptorValue(name)));
        List<RateLimitDescriptor.Entry> entries = new ArrayList<>();
        entries.add(entry(POLICY_KEY, name));
        if (spec.hasMatch() && !spec.getMatch().getMethod().isEmpty()) {
            String method = spec.getMatch().getMethod();
            actions.addActions(headerMatch(METHOD_KEY, method, ":method",
                    StringMatcher.newBuilder().setExact(method).build()));
            entries.add(entry(METHOD_KEY, method));
        }
        if (spec.hasMatch() && spec.getMatch().getPathCase() != RateLimitSpec.RequestMatch.PathCase.PATH_NOT_SET) {
            RateLimitSpec.RequestMatch match = spec.getMatch();
            String value = match.hasPathExact() ? "exact:" + match.getPathExact() : "prefix:" + match.getPathPrefix();
            StringMatcher path = match.hasPathExact()
                    // :path carries the query string too; the exact path matches with any query.
                    ? StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder()
                            .setRegex("\\Q" + match.getPathExact() + "\\E(\\?.*)?")).build()
                    : StringMatcher.newBuilder().setPrefix(match.getPathPrefix()).build();
            actions.addActions(headerMatch(PATH_KEY, value, ":path", path));
            entries.add(entry(PATH_KEY, value));
        }
        LocalRateLimit.Builder limit = LocalRateLimit.newBuilder()
                .setStatPrefix("fedmesh_rate_limit_" + name)
                .setStatus(HttpStatus.newBuilder().setCode(envoyStatus(spec.getHttpStatus())))
                .setFilterEnabled(everyRequest())
                .setFilterEnforced(everyRequest())
                .setRateLimitedAsResourceExhausted(true);
        if (sources.isEmpty()) {
            limit.addDescriptors(LocalRateLimitDescriptor.newBuilder().addAllEntries(entries).setTokenBucket(bucket));
        } else {
            actions.addActions(RateLimit.Action.newBuilder().setMetadata(RateLimit.Action.MetaData.newBuilder()
                    .setDescriptorKey(SOURCE_KEY)
                    .setMetadataKey(MetadataKey.newBuilder()
                            .setKey(RBAC_METADATA)
                            .addPath(MetadataKey.PathSegment.newBuilder()
                                    .setKey(metadataPrefix(name) + SHADOW_POLICY_ID)))
                    .setSource(RateLimit.Action.MetaData.Source.DYNAMIC)));
            for (String source : sources) {
                limit.addDescriptors(LocalRateLimitDescriptor.newBuilder()
                        .addAllEntries(entries)
                        .addEntries(entry(SOURCE_KEY, source))
                        .setTokenBucket(bucket));
            }
        }
        limit.addRateLimits(actions);
        return HttpFilter.newBuilder()
                .setName(FILTER_PREFIX + name)
                .setTypedConfig(Any.pack(limit.build()))
                .build();
    }

    /** The prefix of the policy's shadow RBAC metadata keys, so the filters of several policies do not mix. */
    private static String metadataPrefix(String policy) {
        return "fedmesh_rate_limit_" + policy + "_";
    }

    private static RateLimit.Action headerMatch(String key, String value, String header, StringMatcher matcher) {
        return RateLimit.Action.newBuilder().setHeaderValueMatch(RateLimit.Action.HeaderValueMatch.newBuilder()
                        .setDescriptorKey(key)
                        .setDescriptorValue(value)
                        .setExpectMatch(BoolValue.of(true))
                        .addHeaders(HeaderMatcher.newBuilder().setName(header).setStringMatch(matcher)))
                .build();
    }

    private static RateLimitDescriptor.Entry entry(String key, String value) {
        return RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value).build();
    }

    private static RuntimeFractionalPercent everyRequest() {
        return RuntimeFractionalPercent.newBuilder()
                .setDefaultValue(FractionalPercent.newBuilder()
                        .setNumerator(100)
                        .setDenominator(FractionalPercent.DenominatorType.HUNDRED))
                .build();
    }
}
