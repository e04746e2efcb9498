package dev.fedmesh.policy.document;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Claim keys of kinds whose contradictions depend on who calls: one key per source ("every
 * source" without {@code from}), each naming the target, e.g. {@code service greeter from service
 * frontend}, followed by whatever else the kind keys on.
 */
public final class ClaimKeys {

    private ClaimKeys() {
    }

    /** One key per source of {@code from}, each "{@code <target> from <source><qualifier>}". */
    public static Set<String> perSource(Target target, List<ServiceSelector> from, String qualifier) {
        Set<String> keys = new TreeSet<>();
        if (from.isEmpty()) {
            keys.add(targetKey(target) + " from every source" + qualifier);
        }
        for (ServiceSelector source : from) {
            keys.add(targetKey(target) + " from " + selectorKey(source) + qualifier);
        }
        return keys;
    }

    private static String targetKey(Target target) {
        return target instanceof Target.Service service ? selectorKey(service.selector()) : "mesh";
    }

    private static String selectorKey(ServiceSelector selector) {
        Map<String, String> subset = selector.subset();
        return "service " + selector.service() + (subset.isEmpty() ? "" : subset.entrySet().stream()
                .map(label -> label.getKey() + "=" + label.getValue())
                .collect(Collectors.joining(",", " subset ", "")));
    }
}
