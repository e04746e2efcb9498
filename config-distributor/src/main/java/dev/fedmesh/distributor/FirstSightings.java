package dev.fedmesh.distributor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What this process has already logged (or audited) once: an agent repeats the same request or
 * the same bad record at every heartbeat, and one occurrence deserves one line, not one every few
 * seconds. Bounded; the least recently seen are forgotten first (and reported again if they recur).
 */
public final class FirstSightings {

    private final int capacity;
    private final Map<String, Boolean> seen;

    /** Remembers at most {@code capacity} sightings. */
    public FirstSightings(int capacity) {
        this.capacity = capacity;
        this.seen = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > FirstSightings.this.capacity;
            }
        };
    }

    /** True the first time these parts are seen together, false for a repeat. */
    public synchronized boolean firstTime(String... parts) {
        return seen.put(String.join("\n", parts), Boolean.TRUE) == null;
    }
}
