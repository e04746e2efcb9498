package dev.fedmesh.policy.trafficroute;

import dev.fedmesh.policy.document.JsonObjectReader;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and validates the {@code match} of a TrafficRoute rule and the paths its rules name. */
final class RouteMatchReader {
    static final int MAX_HEADERS = 16;
    static final int MAX_PATH_LENGTH = 1024;
    static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

    /** RFC 3986 path characters: unreserved, sub-delims, ':', '@', '/' and percent-escapes. */
    private static final Pattern PATH = Pattern.compile("^/([A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*$");
    private static final Pattern HEADER_NAME = Pattern.compile("^[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?$");
    private static final Pattern HEADER_VALUE = Pattern.compile("^[A-Za-z0-9._~:/=+,@*-]{1,256}$");
    static final String PATH_RULE = "must start with '/' and hold at most " + MAX_PATH_LENGTH
            + " URL path characters (letters, digits, - . _ ~ ! $ & ' ( ) * + , ; = : @ / and %XX escapes; no spaces or query string)";

    private RouteMatchReader() {
    }

    /** The match, {@link RouteMatch#ANY} when absent, or null when invalid (after recording why). */
    static RouteMatch read(JsonObjectReader rule) {
        if (!rule.has("match")) {
            return RouteMatch.ANY;
        }
        JsonObjectReader match = rule.requiredObject("match");
        if (match == null) {
            return null;
        }
        boolean valid = true;
        RouteMatch.PathMatch path = null;
        if (match.has("path")) {
            JsonObjectReader pathReader = match.requiredObject("path");
            path = pathReader == null ? null : readPath(pathReader);
            valid = path != null;
        }
        String method = match.optionalString("method");
        if (method != null && !METHODS.contains(method)) {
            match.reject("method", "'" + method + "' is not an HTTP method; use one of " + METHODS + " (upper case)");
            valid = false;
        }
        int headerCount = match.sizeOf("headers");
        List<RouteMatch.HeaderMatch> headers = match.objects("headers", false, RouteMatchReader::readHeader);
        valid &= headers.size() == headerCount;
        if (headerCount > MAX_HEADERS) {
            match.reject("headers", "has " + headerCount + " entries; at most " + MAX_HEADERS + " are allowed");
            valid = false;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < headers.size() && valid; i++) {
            if (!names.add(headers.get(i).name())) {
                match.reject("headers[" + i + "].name", "'" + headers.get(i).name()
                        + "' is matched by an earlier entry too: keep one match per header");
                valid = false;
            }
        }
        match.rejectUnknownFields();
        return valid ? new RouteMatch(path, method, headers) : null;
    }

    private static RouteMatch.PathMatch readPath(JsonObjectReader path) {
        RouteMatch.PathMatch result = null;
        int given = 0;
        for (RouteMatch.PathMatchType type : RouteMatch.PathMatchType.values()) {
            if (!path.has(type.word())) {
                continue;
            }
            given++;
            String value = path.optionalString(type.word());
            if (value == null) {
                continue;
            }
            String problem = type == RouteMatch.PathMatchType.REGEX ? SafeRegex.problem(value) : pathProblem(value);
            if (problem != null) {
                path.reject(type.word(), type == RouteMatch.PathMatchType.REGEX ? problem : "'" + printable(value) + "' " + problem);
            } else {
                result = new RouteMatch.PathMatch(type, value);
            }
        }
        path.rejectUnknownFields();
        if (given != 1) {
            path.reject(given == 0 ? "exact" : "prefix", "a path match takes exactly one of exact, prefix or regex, e.g. {\"prefix\": \"/api/\"}");
            return null;
        }
        return result;
    }

    private static RouteMatch.HeaderMatch readHeader(JsonObjectReader header) {
        String name = header.requiredString("name");
        if (name != null && !HEADER_NAME.matcher(name).matches()) {
            header.reject("name", "'" + printable(name) + "' is not a header name we can match: use 1-128 lowercase letters,"
                    + " digits, '.', '_' or '-', starting and ending with a letter or digit (method and path have their own fields)");
            name = null;
        } else if (name != null && (name.startsWith("grpc-") || name.endsWith("-bin"))) {
            header.reject("name", "'" + name + "' cannot be matched: gRPC reserves grpc-* headers and does not match binary (-bin) ones");
            name = null;
        }
        RouteMatch.HeaderMatch result = null;
        int given = 0;
        for (RouteMatch.HeaderMatchType type : RouteMatch.HeaderMatchType.values()) {
            if (!header.has(type.word())) {
                continue;
            }
            given++;
            if (type == RouteMatch.HeaderMatchType.PRESENT) {
                Boolean present = header.optionalBoolean("present");
                if (Boolean.FALSE.equals(present)) {
                    header.reject("present", "must be true: to route calls without the header, put a rule for calls with it first");
                } else if (present != null && name != null) {
                    result = new RouteMatch.HeaderMatch(name, type, null);
                }
                continue;
            }
            String value = header.optionalString(type.word());
            if (value != null && !HEADER_VALUE.matcher(value).matches()) {
                header.reject(type.word(), "'" + printable(value) + "' is not a header value we match: use 1-256 letters, digits"
                        + " or - . _ ~ : / = + , @ * (no spaces, quotes, angle brackets or semicolons)");
            } else if (value != null && name != null) {
                result = new RouteMatch.HeaderMatch(name, type, value);
            }
        }
        if (given != 1) {
            header.reject(given == 0 ? "exact" : "prefix",
                    "a header match takes exactly one of exact, prefix or present, e.g. {\"name\": \"x-canary\", \"exact\": \"true\"}");
            result = null;
        }
        header.rejectUnknownFields();
        return result;
    }

    /** Why a path (or rewrite prefix) is unusable, or null. */
    static String pathProblem(String value) {
        return value.length() <= MAX_PATH_LENGTH && PATH.matcher(value).matches() ? null : PATH_RULE;
    }

    /** The value cut short and with control characters escaped, safe to quote in an error. */
    static String printable(String value) {
        StringBuilder out = new StringBuilder();
        value.codePoints().limit(64).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return value.codePointCount(0, value.length()) > 64 ? out + "…" : out.toString();
    }
}
