package dev.fedmesh.policy.trafficroute;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which calls a TrafficRoute rule takes: every part that is set must match (path, method, each
 * header). Headers are kept sorted by name, so two matches that mean the same are equal.
 */
public record RouteMatch(PathMatch path, String method, List<HeaderMatch> headers) {
    /** Matches every call. */
    public static final RouteMatch ANY = new RouteMatch(null, null, List.of());

    public RouteMatch {
        headers = headers.stream().sorted(Comparator.comparing(HeaderMatch::name)).toList();
    }

    public boolean matchesEverything() {
        return path == null && method == null && headers.isEmpty();
    }

    /**
     * The canonical text of the match, e.g. {@code path prefix /api; method GET; header x-canary exact true};
     * {@code *} for every call. Equal matches have equal keys.
     */
    public String key() {
        if (matchesEverything()) {
            return "*";
        }
        List<String> parts = new ArrayList<>();
        if (path != null) {
            parts.add("path " + path.type().word() + " " + path.value());
        }
        if (method != null) {
            parts.add("method " + method);
        }
        for (HeaderMatch header : headers) {
            parts.add("header " + header.name() + " " + header.type().word()
                    + (header.value() == null ? "" : " " + header.value()));
        }
        return String.join("; ", parts);
    }

    /** How a path is compared. */
    public enum PathMatchType {
        EXACT, PREFIX, REGEX;

        /** The field name users write, e.g. {@code prefix}. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** How a header is compared; PRESENT ignores the value. */
    public enum HeaderMatchType {
        EXACT, PREFIX, PRESENT;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The call's path compared to {@code value}: equal, starting with it, or wholly matching the RE2 regex. */
    public record PathMatch(PathMatchType type, String value) {
    }

    /** A request header compared to {@code value} (null for PRESENT). */
    public record HeaderMatch(String name, HeaderMatchType type, String value) {
    }
}
