package dev.fedmesh.policy.failover;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Where one service's traffic from one calling cluster goes, in order: the one function both the
 * agents (which write its answer into the EDS priorities they serve) and the API's failover preview
 * run, so the preview and the data plane cannot disagree. Pure and deterministic.
 *
 * <p>The clusters that run the service are grouped into steps, most preferred first:
 * <ul>
 *   <li>with no {@link Failover} policy: the calling cluster, then the other clusters of its zone,
 *       then of its region, then every other cluster;</li>
 *   <li>with one: the calling cluster, then each step of its {@link Failover#order()}, and no other
 *       cluster (as Kuma's cross-zone failover: a cluster the order leaves out gets none of the
 *       service's traffic from this caller).</li>
 * </ul>
 * Traffic goes to the first step where at least the threshold's share of the endpoints is healthy
 * ({@link Failover#healthyPercentThreshold()}, by default {@link Failover#DEFAULT_HEALTHY_PERCENT_THRESHOLD}).
 * The steps after it follow as fallbacks in order, then the steps before it that still have a healthy
 * endpoint. A step with no healthy endpoint is not served. When no step has a healthy endpoint, every
 * step is served as it is ({@link Plan#panic()}), because an empty endpoint set helps nobody.
 */
public final class FailoverPlanner {

    private FailoverPlanner() {
    }

    /** Where a cluster runs. {@code zone} is empty when it has none. */
    public record Site(String cluster, String region, String zone) {
        public Site {
            Objects.requireNonNull(cluster, "cluster");
            region = region == null ? "" : region;
            zone = zone == null ? "" : zone;
        }
    }

    /** How many of the service's endpoints a cluster has, and how many of them are healthy. */
    public record Endpoints(int total, int healthy) {
        public static final Endpoints NONE = new Endpoints(0, 0);

        public Endpoints {
            if (total < 0 || healthy < 0 || healthy > total) {
                throw new IllegalArgumentException("need 0 <= healthy <= total, was " + healthy + " of " + total);
            }
        }

        public Endpoints plus(Endpoints other) {
            return new Endpoints(total + other.total, healthy + other.healthy);
        }
    }

    /**
     * One group of clusters traffic can go to.
     *
     * @param reason   why these clusters are grouped, for people: {@code own cluster}, {@code zone us-east1-b},
     *                 {@code region us-east1}, {@code anywhere}, or {@code order[1]: region eu-central1}
     * @param clusters the clusters of the step that run the service, sorted by name
     */
    public record Step(String reason, List<String> clusters, Endpoints endpoints) {
        public Step {
            clusters = List.copyOf(clusters);
        }

        /** Whether at least {@code thresholdPercent} of the step's endpoints are healthy (and one at all). */
        public boolean healthyEnough(int thresholdPercent) {
            return endpoints.healthy() > 0 && endpoints.healthy() * 100L >= (long) thresholdPercent * endpoints.total();
        }
    }

    /**
     * The answer: the steps in the order they are served (the first takes the traffic, the others are
     * its fallbacks, in order), and the steps left out because none of their endpoints is healthy.
     *
     * @param served           in priority order: index 0 is priority 0
     * @param unserved         steps with no healthy endpoint, in preference order (empty when {@code panic})
     * @param thresholdPercent the healthy share a step needs to take the traffic
     * @param panic            no step has a healthy endpoint, so every step is served as it is
     */
    public record Plan(List<Step> served, List<Step> unserved, int thresholdPercent, boolean panic) {
        public Plan {
            served = List.copyOf(served);
            unserved = List.copyOf(unserved);
        }

        /** The step taking the traffic now; empty when no cluster runs the service. */
        public Optional<Step> active() {
            return served.isEmpty() ? Optional.empty() : Optional.of(served.get(0));
        }

        /** Every cluster's priority (0 first) as served; clusters left out are absent. */
        public Map<String, Integer> priorities() {
            Map<String, Integer> priorities = new TreeMap<>();
            for (int i = 0; i < served.size(); i++) {
                for (String cluster : served.get(i).clusters()) {
                    priorities.put(cluster, i);
                }
            }
            return priorities;
        }
    }

    /**
     * Plans one service's traffic from {@code caller}.
     *
     * @param caller    the calling cluster
     * @param sites     every cluster of the tenant, the caller included
     * @param endpoints the service's endpoints per cluster; a cluster absent or with none does not run it
     * @param policy    the service's {@link Failover} policy, if it has one
     * @param down      clusters whose endpoints count as unhealthy whatever they report (a cluster the
     *                  caller's probes cannot reach, or one a preview takes down)
     */
    public static Plan plan(Site caller, List<Site> sites, Map<String, Endpoints> endpoints,
                            Optional<Failover> policy, Predicate<Site> down) {
        List<Site> running = sites.stream()
                .filter(site -> endpoints.getOrDefault(site.cluster(), Endpoints.NONE).total() > 0)
                .sorted(Comparator.comparing(Site::cluster))
                .toList();
        List<Candidate> candidates = policy.map(failover -> ordered(caller, running, failover))
                .orElseGet(() -> nearestFirst(caller, running));
        List<Step> steps = new ArrayList<>();
        for (Candidate candidate : candidates) {
            Endpoints sum = Endpoints.NONE;
            for (Site site : candidate.sites()) {
                Endpoints of = endpoints.get(site.cluster());
                sum = sum.plus(down.test(site) ? new Endpoints(of.total(), 0) : of);
            }
            steps.add(new Step(candidate.reason(), candidate.sites().stream().map(Site::cluster).toList(), sum));
        }
        int threshold = policy.map(Failover::healthyPercentThreshold).orElse(Failover.DEFAULT_HEALTHY_PERCENT_THRESHOLD);
        if (steps.stream().noneMatch(step -> step.endpoints().healthy() > 0)) {
            return new Plan(steps, List.of(), threshold, !steps.isEmpty());
        }
        int active = 0;
        while (active < steps.size() && !steps.get(active).healthyEnough(threshold)) {
            active++;
        }
        if (active == steps.size()) {
            // None is healthy enough: the nearest with a healthy endpoint takes the traffic.
            active = 0;
            while (steps.get(active).endpoints().healthy() == 0) {
                active++;
            }
        }
        List<Step> served = new ArrayList<>();
        List<Step> unserved = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            int index = (active + i) % steps.size();
            Step step = steps.get(index);
            if (step.endpoints().healthy() > 0) {
                served.add(step);
            }
        }
        for (Step step : steps) {
            if (step.endpoints().healthy() == 0) {
                unserved.add(step);
            }
        }
        return new Plan(served, unserved, threshold, false);
    }

    private record Candidate(String reason, List<Site> sites) {
    }

    private static List<Candidate> nearestFirst(Site caller, List<Site> running) {
        Set<Site> left = new LinkedHashSet<>(running);
        List<Candidate> candidates = new ArrayList<>();
        take(candidates, left, "own cluster", site -> site.cluster().equals(caller.cluster()));
        if (!caller.zone().isEmpty()) {
            take(candidates, left, "zone " + caller.zone(),
                    site -> site.region().equals(caller.region()) && site.zone().equals(caller.zone()));
        }
        if (!caller.region().isEmpty()) {
            take(candidates, left, "region " + caller.region(), site -> site.region().equals(caller.region()));
        }
        take(candidates, left, "anywhere", site -> true);
        return candidates;
    }

    private static List<Candidate> ordered(Site caller, List<Site> running, Failover failover) {
        Set<Site> left = new LinkedHashSet<>(running);
        List<Candidate> candidates = new ArrayList<>();
        take(candidates, left, "own cluster", site -> site.cluster().equals(caller.cluster()));
        for (int i = 0; i < failover.order().size(); i++) {
            Failover.Step step = failover.order().get(i);
            if (step instanceof Failover.Step.Cluster named) {
                take(candidates, left, "order[" + i + "]: cluster " + named.name(),
                        site -> site.cluster().equals(named.name()));
            } else if (step instanceof Failover.Step.Locality locality) {
                String where = locality.zone() == null ? "region " + locality.region()
                        : "zone " + locality.zone() + " of region " + locality.region();
                take(candidates, left, "order[" + i + "]: " + where,
                        site -> site.region().equals(locality.region())
                                && (locality.zone() == null || site.zone().equals(locality.zone())));
            }
        }
        return candidates;
    }

    /** Moves the sites matching {@code in} from {@code left} into a new candidate, when there are any. */
    private static void take(List<Candidate> candidates, Set<Site> left, String reason, Predicate<Site> in) {
        List<Site> taken = left.stream().filter(in).toList();
        if (!taken.isEmpty()) {
            taken.forEach(left::remove);
            candidates.add(new Candidate(reason, taken));
        }
    }
}
