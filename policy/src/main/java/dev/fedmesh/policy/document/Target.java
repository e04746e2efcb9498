package dev.fedmesh.policy.document;

/** What a policy applies to: the whole mesh, or one service (or a subset of it). */
public sealed interface Target permits Target.Mesh, Target.Service {

    /** Every service of the tenant. */
    record Mesh() implements Target {
    }

    /** One service, optionally narrowed to a subset of its endpoints. */
    record Service(ServiceSelector selector) implements Target {
    }
}
