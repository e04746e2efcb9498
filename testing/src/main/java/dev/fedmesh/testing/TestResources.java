package dev.fedmesh.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * What a test started and must stop: closed in the reverse order it was added, every one of them
 * even when one fails (the first failure is thrown, the others added to it). Held in a field marked
 * {@code @AutoClose}, it is closed after each test.
 */
public final class TestResources implements AutoCloseable {
    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Closes {@code resource} with the others; returns it. */
    public synchronized <T extends AutoCloseable> T add(T resource) {
        resources.add(resource);
        return resource;
    }

    @Override
    public synchronized void close() throws Exception {
        Exception first = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        resources.clear();
        if (first != null) {
            throw first;
        }
    }
}
