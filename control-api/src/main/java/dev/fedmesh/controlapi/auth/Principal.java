package dev.fedmesh.controlapi.auth;

/**
 * Who a request acts as: the operator (every tenant, and creating tenants), or the holder of a
 * token scoped to one tenant with one role. {@code subject} is what the audit log records.
 */
public record Principal(String subject, String tenant, Role role) implements java.security.Principal {

    /** The subject, as {@link java.security.Principal} names it. */
    @Override
    public String getName() {
        return subject;
    }

    /** The operator, holding the admin token. */
    public static Principal operator() {
        return new Principal("admin", null, Role.OWNER);
    }

    public boolean isOperator() {
        return tenant == null;
    }
}
