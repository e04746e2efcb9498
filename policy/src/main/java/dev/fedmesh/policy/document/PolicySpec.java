package dev.fedmesh.policy.document;

/** The kind-specific part of a policy; each kind's package defines its own. */
public interface PolicySpec {
}
