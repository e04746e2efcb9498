package dev.fedmesh.policy.trafficpermission;

import java.util.regex.Pattern;

/**
 * The SPIFFE ID rules (SPIFFE standard, section 2) a workload source must follow, stated so a
 * user can fix the id: {@code spiffe://<trust-domain>/<path>}.
 */
final class SpiffeIds {
    static final int MAX_LENGTH = 2048;
    static final int MAX_TRUST_DOMAIN_LENGTH = 255;
    static final String EXAMPLE = "spiffe://acme.example/ns/shop/sa/frontend";

    private static final String SCHEME = "spiffe://";
    private static final Pattern TRUST_DOMAIN = Pattern.compile("^[a-z0-9._-]+$");
    private static final Pattern SEGMENT = Pattern.compile("^[A-Za-z0-9._-]+$");

    private SpiffeIds() {
    }

    /** Why {@code id} is not a workload SPIFFE ID, or null when it is one. */
    static String problemWith(String id) {
        if (id.length() > MAX_LENGTH) {
            return "is " + id.length() + " characters long; a SPIFFE ID has at most " + MAX_LENGTH;
        }
        if (!id.startsWith(SCHEME)) {
            return "'" + id + "' must start with " + SCHEME + " (lower case), e.g. " + EXAMPLE;
        }
        if (id.indexOf('?') >= 0 || id.indexOf('#') >= 0) {
            return "'" + id + "' must not have a query ('?') or fragment ('#'), e.g. " + EXAMPLE;
        }
        String rest = id.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        String trustDomain = slash < 0 ? rest : rest.substring(0, slash);
        if (trustDomain.isEmpty()) {
            return "'" + id + "' has no trust domain: write spiffe://<trust-domain>/<path>, e.g. " + EXAMPLE;
        }
        if (trustDomain.length() > MAX_TRUST_DOMAIN_LENGTH) {
            return "has a trust domain of " + trustDomain.length() + " characters; at most " + MAX_TRUST_DOMAIN_LENGTH;
        }
        if (!TRUST_DOMAIN.matcher(trustDomain).matches()) {
            return "'" + id + "' has trust domain '" + trustDomain + "': use only lower-case letters, digits, '.', '-' "
                    + "and '_' (no port, user or upper case)";
        }
        if (slash < 0 || slash == rest.length() - 1) {
            return "'" + id + "' names a trust domain, not a workload: add a path, e.g. " + EXAMPLE;
        }
        String[] segments = rest.substring(slash + 1).split("/", -1);
        for (String segment : segments) {
            if (segment.isEmpty()) {
                return "'" + id + "' has an empty path segment ('//' or a trailing '/'): remove it";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "'" + id + "' has a '" + segment + "' path segment: write the path out in full";
            }
            if (!SEGMENT.matcher(segment).matches()) {
                return "'" + id + "' has path segment '" + segment + "': use only letters, digits, '.', '-' and '_' "
                        + "(no percent-encoding)";
            }
        }
        return null;
    }
}
