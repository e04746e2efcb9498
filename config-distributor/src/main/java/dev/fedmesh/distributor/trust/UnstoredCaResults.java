package dev.fedmesh.distributor.trust;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the CA signed or made for this distributor but what could not then be stored (PostgreSQL
 * went away between the CA's answer and the commit), by what it was made for: the next attempt
 * stores it rather than asking the CA a second time. Entries are few, one per such failure; the
 * oldest are dropped beyond {@value #MAX_ENTRIES}.
 */
final class UnstoredCaResults<K, V> {
    private static final int MAX_ENTRIES = 1024;
    private final Map<K, V> kept = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    /** What the CA gave for {@code key} and was not stored yet. */
    synchronized Optional<V> find(K key) {
        return Optional.ofNullable(kept.get(key));
    }

    /** Keeps what the CA just gave for {@code key}, before storing it is tried; returns it. */
    synchronized V keep(K key, V result) {
        kept.put(key, result);
        return result;
    }

    /** Forgets {@code key}'s result: it is stored (by this distributor or another). */
    synchronized void stored(K key) {
        kept.remove(key);
    }
}
