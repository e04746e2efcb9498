package dev.fedmesh.controlapi.auth;

/** The kinds of access a request needs. */
public enum Permission {
    READ,
    WRITE,
    MANAGE_TOKENS
}
