package dev.fedmesh.controlapi.http;

import dev.fedmesh.policy.enforcement.NotEnforced;
import io.micronaut.http.MutableHttpResponse;

import java.util.List;

/**
 * RFC 7234 {@code Warning} headers, one per warning, as {@code 299 fedmesh "<message>"} (299: a
 * persistent warning), so a client that only looks at headers (curl -i, kubectl-style tools) sees them.
 */
final class WarningHeaders {
    static final String NAME = "Warning";

    private WarningHeaders() {
    }

    static <B> MutableHttpResponse<B> add(MutableHttpResponse<B> response, List<NotEnforced> warnings) {
        for (NotEnforced warning : warnings) {
            response.getHeaders().add(NAME, "299 fedmesh " + quoted(warning.message()));
        }
        return response;
    }

    /** An HTTP quoted-string: backslash and quote escaped, anything not printable ASCII replaced. */
    static String quoted(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else {
                quoted.append(c >= 0x20 && c < 0x7f ? c : '?');
            }
        }
        return quoted.append('"').toString();
    }
}
