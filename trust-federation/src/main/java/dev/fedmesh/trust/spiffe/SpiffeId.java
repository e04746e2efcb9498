package dev.fedmesh.trust.spiffe;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A SPIFFE ID: {@code spiffe://<trust domain><path>}, where the path is empty (the trust domain
 * itself, as CA certificates carry it) or '/'-separated segments of letters, digits, '.', '-' and
 * '_', none of them empty, "." or "..". Workloads get {@code /ns/<namespace>/sa/<service account>}.
 */
public record SpiffeId(TrustDomain trustDomain, String path) {

    private static final String SCHEME = "spiffe://";
    private static final int MAX_BYTES = 2048;

    public SpiffeId {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(path, "path");
        String problem = pathProblem(path);
        if (problem != null) {
            throw new InvalidSpiffeIdException("SPIFFE ID \"" + SCHEME + trustDomain.name() + path + "\" " + problem);
        }
        int bytes = (SCHEME + trustDomain.name() + path).getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new InvalidSpiffeIdException("SPIFFE ID is " + bytes + " bytes long: at most " + MAX_BYTES + " are allowed");
        }
    }

    /** Parses {@code spiffe://acme.fedmesh.dev/ns/shop/sa/cart}, or throws saying what is wrong and how to write it. */
    public static SpiffeId parse(String text) {
        Objects.requireNonNull(text, "text");
        if (!text.startsWith(SCHEME)) {
            throw new InvalidSpiffeIdException("\"" + text + "\" is not a SPIFFE ID: it must start with " + SCHEME
                    + " (lower case), e.g. spiffe://acme.fedmesh.dev/ns/shop/sa/cart");
        }
        String rest = text.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        String domain = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);
        return new SpiffeId(TrustDomain.of(domain), path);
    }

    private static String pathProblem(String path) {
        if (path.isEmpty()) {
            return null;
        }
        if (!path.startsWith("/")) {
            return "has a path that does not start with '/'";
        }
        if (path.endsWith("/")) {
            return "ends with '/': remove the trailing slash";
        }
        String[] segments = path.substring(1).split("/", -1);
        for (String segment : segments) {
            if (segment.isEmpty()) {
                return "has an empty path segment ('//')";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "has a '" + segment + "' path segment: relative segments are not allowed";
            }
            for (int i = 0; i < segment.length(); i++) {
                char c = segment.charAt(i);
                boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || c == '.' || c == '-' || c == '_';
                if (!allowed) {
                    return "has '" + c + "' in path segment \"" + segment + "\": only letters, digits, '.', '-' and '_'"
                            + " are allowed";
                }
            }
        }
        return null;
    }

    /** True for the trust domain's own id (no path), as CA certificates carry it. */
    public boolean isTrustDomainId() {
        return path.isEmpty();
    }

    /** True when this id is {@code other}'s trust domain or lies under it. */
    public boolean memberOf(TrustDomain other) {
        return trustDomain.equals(other);
    }

    public URI toUri() {
        return URI.create(toString());
    }

    @Override
    public String toString() {
        return SCHEME + trustDomain.name() + path;
    }
}
