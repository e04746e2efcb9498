package dev.fedmesh.policy.trafficroute;

import dev.fedmesh.policy.document.PolicySpec;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Routes the calls to a service: either one weighted split of every call (the short form
 * {@code spec.split}) or rules tried in order, the first whose match fits deciding where a call goes.
 * Exactly one of {@code split} and {@code rules} is non-empty.
 */
public record TrafficRoute(List<Split> split, List<Rule> rules) implements PolicySpec {
    public TrafficRoute {
        split = List.copyOf(split);
        rules = List.copyOf(rules);
    }

    /** The short form: one split of every call. */
    public TrafficRoute(List<Split> split) {
        this(split, List.of());
    }

    /** The rules as the translator applies them: the short form is one rule matching every call. */
    public List<Rule> effectiveRules() {
        return rules.isEmpty() ? List.of(new Rule(RouteMatch.ANY, split, null, null)) : rules;
    }

    /**
     * One share of the traffic: the endpoints whose labels contain {@code subset}, in {@code cluster}
     * when one is named (null: wherever the caller runs), at {@code weight} percent.
     */
    public record Split(Map<String, String> subset, String cluster, int weight) {
        public Split {
            subset = Collections.unmodifiableMap(new TreeMap<>(subset));
        }

        public Split(Map<String, String> subset, int weight) {
            this(subset, null, weight);
        }
    }

    /**
     * One rule: the calls {@code match} selects go to {@code split}, their path prefix replaced
     * with {@code rewritePrefix} and cut off after {@code timeout} when those are set (else null).
     */
    public record Rule(RouteMatch match, List<Split> split, String rewritePrefix, Duration timeout) {
        public Rule {
            split = List.copyOf(split);
        }
    }
}
