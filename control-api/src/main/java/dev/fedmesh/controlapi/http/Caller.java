package dev.fedmesh.controlapi.http;

import jakarta.inject.Singleton;

/** Who is making the request, as recorded in the audit log. */
@Singleton
public class Caller {
    /** Every request is the operator's until tenant-scoped tokens name their holders. */
    public String name() {
        return "admin";
    }
}
