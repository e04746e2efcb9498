package dev.fedmesh.distributor.trust;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The refusals this process has already audited and logged, by tenant, cluster, key and code: an
 * agent repeats its request in every heartbeat, and one refusal deserves one audit entry, not one
 * every few seconds. Bounded; the oldest are forgotten first (and audited again if they recur).
 */
final class RefusalMemory {

    private static final int CAPACITY = 10_000;

    private final Map<String, Boolean> seen = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > CAPACITY;
        }
    };

    /** True the first time this refusal is seen (so it is to be audited), false when it is a repeat. */
    synchronized boolean firstTime(String tenant, String cluster, String publicKeySha256Hex, String code) {
        return seen.put(tenant + "\n" + cluster + "\n" + publicKeySha256Hex + "\n" + code, Boolean.TRUE) == null;
    }
}
