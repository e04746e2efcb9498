package dev.fedmesh.trust.spiffe;

import java.util.Objects;

/**
 * A SPIFFE trust domain name, e.g. {@code acme.fedmesh.dev}: one per tenant, the part of every
 * workload identity after {@code spiffe://}. Valid as the SPIFFE ID standard defines it: lower-case
 * letters, digits, '.', '-' and '_', at most 255 characters.
 */
public record TrustDomain(String name) {

    private static final int MAX_LENGTH = 255;

    public TrustDomain {
        Objects.requireNonNull(name, "name");
        String problem = problem(name);
        if (problem != null) {
            throw new InvalidSpiffeIdException("trust domain \"" + name + "\" " + problem);
        }
    }

    /** Parses {@code acme.fedmesh.dev}, or throws {@link InvalidSpiffeIdException} saying what is wrong. */
    public static TrustDomain of(String name) {
        return new TrustDomain(name);
    }

    /** Why {@code name} is not a trust domain name, or null when it is one. */
    static String problem(String name) {
        if (name.isEmpty()) {
            return "is empty: give a name such as acme.fedmesh.dev";
        }
        if (name.length() > MAX_LENGTH) {
            return "is " + name.length() + " characters long: at most " + MAX_LENGTH + " are allowed";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
            if (!allowed) {
                return "has '" + c + "' at position " + i + ": only lower-case letters, digits, '.', '-' and '_'"
                        + " are allowed (no scheme, port or path)";
            }
        }
        return null;
    }

    /** The trust domain's own id, {@code spiffe://<name>}: the URI a CA certificate of this domain carries. */
    public SpiffeId id() {
        return new SpiffeId(this, "");
    }

    /** The id of the workload running as service account {@code serviceAccount} in {@code namespace}. */
    public SpiffeId workload(String namespace, String serviceAccount) {
        return new SpiffeId(this, "/ns/" + namespace + "/sa/" + serviceAccount);
    }

    @Override
    public String toString() {
        return name;
    }
}
