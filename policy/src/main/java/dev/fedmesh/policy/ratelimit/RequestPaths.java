package dev.fedmesh.policy.ratelimit;

import java.util.regex.Pattern;

/** The rule for HTTP paths in a RateLimit match: an absolute path of URL path characters. */
final class RequestPaths {
    private static final Pattern PATH = Pattern.compile("^/[A-Za-z0-9\\-._~!$&'()*+,;=:@/%]{0,1023}$");
    static final String RULE = "must start with '/' and hold at most 1024 URL path characters "
            + "(letters, digits and -._~!$&'()*+,;=:@/%), no spaces, quotes or angle brackets";

    private RequestPaths() {
    }

    static boolean isValid(String path) {
        return PATH.matcher(path).matches();
    }
}
