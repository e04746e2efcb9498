package dev.fedmesh.controlapi.store;

import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.policy.document.Violation;

import java.util.List;

/**
 * Optimistic concurrency: a write may name the resourceVersion it read (If-Match), and is
 * refused when the resource moved on since, so two editors never lose each other's update.
 */
public final class ResourceVersions {
    private ResourceVersions() {
    }

    /** Reads an If-Match value ({@code "5"}, {@code 5}, {@code W/"5"} or {@code *}); null when absent. */
    public static Expected parse(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank()) {
            return null;
        }
        String value = ifMatch.trim();
        if (value.equals("*")) {
            return new Expected(null);
        }
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        try {
            return new Expected(Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw ApiException.invalid(List.of(new Violation("If-Match",
                    "'" + ifMatch + "' is not a resourceVersion: send the ETag of your last read, e.g. \"42\", or *")));
        }
    }

    /** The version a writer expects; a null version means "any existing version" (If-Match: *). */
    public record Expected(Long version) {

        /** Refuses the write when the current state is not what the writer read. */
        public void check(String what, Long current) {
            if (current == null) {
                throw ApiException.conflict("version_conflict", what + " does not exist, but If-Match expects it to: "
                        + "create it without If-Match");
            }
            if (version != null && version.longValue() != current) {
                throw ApiException.conflict("version_conflict", what + " is at resourceVersion " + current + ", not "
                        + version + ": read it again, reapply your change and retry");
            }
        }
    }

    /** The ETag header value for a resource version. */
    public static String etag(long resourceVersion) {
        return "\"" + resourceVersion + "\"";
    }
}
