package dev.fedmesh.policy.trafficpermission;

import java.util.regex.Pattern;

/** The rule for HTTP paths a permission matches: an absolute URI path (RFC 3986), without query or fragment. */
final class RequestPaths {
    static final int MAX_LENGTH = 1024;

    private static final Pattern PATH = Pattern.compile("^/([A-Za-z0-9\\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$");

    private RequestPaths() {
    }

    /** Why {@code path} cannot be matched, or null when it can. */
    static String problemWith(String path) {
        if (path.length() > MAX_LENGTH) {
            return "is " + path.length() + " characters long; at most " + MAX_LENGTH + " are allowed";
        }
        if (!path.startsWith("/")) {
            return "'" + path + "' must start with '/', e.g. /api/";
        }
        if (path.indexOf('?') >= 0 || path.indexOf('#') >= 0) {
            return "'" + path + "' must not hold a query ('?') or fragment ('#'): a permission matches the path only";
        }
        if (!PATH.matcher(path).matches()) {
            return "'" + path + "' holds characters a URI path cannot: use letters, digits and -._~!$&'()*+,;=:@/ "
                    + "and percent-encode the rest (e.g. %20 for a space)";
        }
        return null;
    }
}
