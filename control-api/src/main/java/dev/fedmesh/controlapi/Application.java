package dev.fedmesh.controlapi;

import io.micronaut.runtime.Micronaut;

/** Starts control-api as its own process. */
public final class Application {
    private Application() {
    }

    public static void main(String[] args) {
        // This jar is also a library (the one-command run embeds it): its logging setup applies
        // only when it runs on its own, and an explicit one always wins.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "fedmesh-control-api-logback.xml");
        }
        Micronaut.run(Application.class, args);
    }
}
