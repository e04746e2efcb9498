package dev.fedmesh.controlapi.auth;

import java.util.EnumSet;
import java.util.Set;

/** What a token's holder may do within its tenant. */
public enum Role {
    /** Everything, including managing tokens of any role. */
    OWNER(EnumSet.of(Permission.READ, Permission.WRITE, Permission.MANAGE_TOKENS)),
    /** Everything an owner may, but it cannot create or revoke owner tokens. */
    ADMIN(EnumSet.of(Permission.READ, Permission.WRITE, Permission.MANAGE_TOKENS)),
    /** Reads and changes resources; cannot manage tokens. */
    EDITOR(EnumSet.of(Permission.READ, Permission.WRITE)),
    /** Reads only. */
    VIEWER(EnumSet.of(Permission.READ));

    private final Set<Permission> permissions;

    Role(Set<Permission> permissions) {
        this.permissions = permissions;
    }

    public boolean allows(Permission permission) {
        return permissions.contains(permission);
    }
}
