package dev.fedmesh.agent.desired;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * A verified desired config the agent could not apply, and why: what a status report shows as
 * {@code apply_failure} while the agent keeps serving the revision it applied before and retries.
 *
 * @param revision  the config's revision
 * @param error     what failed and what to do, from the latest attempt: cut to at most
 *                  {@value #MAX_ERROR_BYTES} bytes of UTF-8, control characters made spaces
 * @param failedAt  when the first attempt at this revision failed
 * @param attempts  how many attempts at this revision failed
 */
public record ConfigApplyFailure(long revision, String error, Instant failedAt, int attempts) {

    /** The most an error takes in a status report. */
    public static final int MAX_ERROR_BYTES = 1024;

    public ConfigApplyFailure {
        error = bounded(Objects.requireNonNull(error, "error"));
        Objects.requireNonNull(failedAt, "failedAt");
    }

    private static String bounded(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_ERROR_BYTES));
        int bytes = 0;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            String character = Character.isISOControl(codePoint) ? " " : Character.toString(codePoint);
            int size = character.getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > MAX_ERROR_BYTES) {
                break;
            }
            out.append(character);
            bytes += size;
            i += Character.charCount(codePoint);
        }
        return out.toString();
    }
}
