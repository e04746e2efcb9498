package dev.fedmesh.controlapi.auth;

import dev.fedmesh.controlapi.http.ApiException;
import io.micronaut.http.HttpStatus;

import java.util.List;
import java.util.Locale;

/** Decides whether a principal may act on a tenant; the same rules over REST and gRPC. */
public final class Access {
    private Access() {
    }

    /**
     * Refuses unless {@code principal} may do {@code permission} in {@code tenant}. Another
     * tenant's anything is answered exactly as if it did not exist.
     */
    public static void require(Principal principal, String tenant, Permission permission) {
        if (!principal.isOperator() && !principal.tenant().equals(tenant)) {
            throw ApiException.notFound("Tenant '" + tenant + "'");
        }
        if (!principal.role().allows(permission)) {
            throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", withArticle(principal.role())
                    + " token cannot " + describe(permission) + "; ask an owner or admin of tenant '" + tenant + "'",
                    List.of());
        }
    }

    /**
     * Refuses unless {@code principal}, already allowed to manage tokens in {@code tenant}, may
     * mint or revoke a token of {@code role}: only an owner, or the operator, handles owner tokens.
     */
    public static void requireMayGrant(Principal principal, String tenant, Role role) {
        require(principal, tenant, Permission.MANAGE_TOKENS);
        if (role == Role.OWNER && principal.role() != Role.OWNER) {
            throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", withArticle(principal.role())
                    + " token cannot mint or revoke owner tokens; ask an owner of tenant '" + tenant + "'", List.of());
        }
    }

    /** Refuses unless {@code principal} is an owner of {@code tenant} (or the operator), for what only owners decide. */
    public static void requireOwner(Principal principal, String tenant, String what) {
        require(principal, tenant, Permission.READ);
        if (!principal.isOperator() && principal.role() != Role.OWNER) {
            throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", withArticle(principal.role())
                    + " token cannot " + what + "; ask an owner of tenant '" + tenant + "'", List.of());
        }
    }

    /** Only the operator creates tenants. */
    public static void requireOperator(Principal principal) {
        if (!principal.isOperator()) {
            throw new ApiException(HttpStatus.FORBIDDEN, "forbidden",
                    "Only the operator's admin token can create tenants", List.of());
        }
    }

    private static String withArticle(Role role) {
        String name = role.name().toLowerCase(Locale.ROOT);
        return ("aeiou".indexOf(name.charAt(0)) >= 0 ? "An " : "A ") + name;
    }

    private static String describe(Permission permission) {
        return switch (permission) {
            case READ -> "read this tenant's resources";
            case WRITE -> "change resources";
            case MANAGE_TOKENS -> "manage API tokens";
        };
    }
}
