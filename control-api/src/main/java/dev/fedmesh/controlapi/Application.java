package dev.fedmesh.controlapi;

import io.micronaut.runtime.Micronaut;

/** Starts control-api as its own process. */
public final class Application {
    private Application() {
    }

    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}
