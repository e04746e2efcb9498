package dev.fedmesh.agent.inventory;

import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The workload endpoints running in this cluster, registered and deregistered at run time. Every
 * change is handed at once, in order, to the listeners (the xDS snapshot builder), so local
 * endpoint changes never wait for the control plane.
 */
public final class LocalInventory {

    /** Told of each change: every endpoint now registered, and the change's generation number. */
    @FunctionalInterface
    public interface Listener {
        void inventoryChanged(List<ServiceEndpoint> endpoints, long generation);
    }

    private final Set<ServiceEndpoint> endpoints = new LinkedHashSet<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private long generation;

    /** Adds the endpoint; returns false (and changes nothing) if it was already registered. */
    public synchronized boolean register(ServiceEndpoint endpoint) {
        if (!endpoints.add(endpoint)) {
            return false;
        }
        changed();
        return true;
    }

    /** Removes the endpoint; returns false (and changes nothing) if it was not registered. */
    public synchronized boolean deregister(ServiceEndpoint endpoint) {
        if (!endpoints.remove(endpoint)) {
            return false;
        }
        changed();
        return true;
    }

    public synchronized List<ServiceEndpoint> endpoints() {
        return List.copyOf(endpoints);
    }

    /** How many changes there have been; 0 before the first. */
    public synchronized long generation() {
        return generation;
    }

    /** Adds a listener and tells it the current state right away. */
    public synchronized void addListener(Listener listener) {
        listeners.add(listener);
        listener.inventoryChanged(List.copyOf(endpoints), generation);
    }

    private void changed() {
        generation++;
        List<ServiceEndpoint> now = List.copyOf(new ArrayList<>(endpoints));
        for (Listener listener : listeners) {
            listener.inventoryChanged(now, generation);
        }
    }
}
