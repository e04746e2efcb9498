package dev.fedmesh.controlapi.federation;

import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.policy.failover.FailoverPlanner.Site;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a failover preview takes down, as its {@code down} parameter names it: a registered cluster
 * ({@code east}), every cluster of a region ({@code region:us-east1}) or of one zone of a region
 * ({@code zone:us-east1/us-east1-b}). Each value must name at least one registered cluster.
 */
public final class DownSelector implements Predicate<Site> {
    /** The query parameter (and gRPC field) it is read from. */
    public static final String FIELD = "down";
    private static final String REGION = "region:";
    private static final String ZONE = "zone:";

    private final List<String> asked;
    private final Set<String> clusters;

    private DownSelector(List<String> asked, Set<String> clusters) {
        this.asked = List.copyOf(asked);
        this.clusters = Set.copyOf(clusters);
    }

    /** Reads {@code values} against the tenant's clusters; refuses (400 naming {@code down}) what names none of them. */
    public static DownSelector parse(List<String> values, List<Site> sites) {
        List<Violation> violations = new ArrayList<>();
        Set<String> down = new LinkedHashSet<>();
        for (String value : values) {
            List<String> matched = sites.stream().filter(matcher(value)).map(Site::cluster).toList();
            if (matched.isEmpty()) {
                violations.add(new Violation(FIELD, "'" + value + "' " + why(value) + ": name a registered cluster"
                        + " (e.g. east), region:<region> (e.g. region:us-east1) or zone:<region>/<zone>"
                        + " (e.g. zone:us-east1/us-east1-b)"));
            }
            down.addAll(matched);
        }
        if (!violations.isEmpty()) {
            throw ApiException.invalid(violations);
        }
        return new DownSelector(values, down);
    }

    /** The values as asked, in order. */
    public List<String> asked() {
        return asked;
    }

    /** Whether the cluster at {@code site} is down. */
    @Override
    public boolean test(Site site) {
        return clusters.contains(site.cluster());
    }

    private static Predicate<Site> matcher(String value) {
        if (value.startsWith(REGION)) {
            String region = value.substring(REGION.length());
            return site -> !region.isEmpty() && site.region().equals(region);
        }
        if (value.startsWith(ZONE)) {
            String locality = value.substring(ZONE.length());
            int slash = locality.indexOf('/');
            if (slash <= 0 || slash == locality.length() - 1) {
                return site -> false;
            }
            String region = locality.substring(0, slash);
            String zone = locality.substring(slash + 1);
            return site -> site.region().equals(region) && site.zone().equals(zone);
        }
        return site -> site.cluster().equals(value);
    }

    private static String why(String value) {
        if (value.startsWith(REGION)) {
            return "names a region no registered cluster is in";
        }
        if (value.startsWith(ZONE)) {
            String locality = value.substring(ZONE.length());
            int slash = locality.indexOf('/');
            return slash <= 0 || slash == locality.length() - 1 ? "is not zone:<region>/<zone>"
                    : "names a zone no registered cluster is in";
        }
        return "is not a registered cluster of the tenant";
    }
}
