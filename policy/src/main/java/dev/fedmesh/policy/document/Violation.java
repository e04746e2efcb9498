package dev.fedmesh.policy.document;

/** One problem with one field of a submitted document: where it is, and what to do about it. */
public record Violation(String field, String problem) {
}
