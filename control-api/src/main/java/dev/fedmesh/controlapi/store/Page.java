package dev.fedmesh.controlapi.store;

import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.policy.document.Violation;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Cursor pagination: a page size and an opaque token naming the last item already seen. Keys
 * are stable (names, ids), so a page never repeats or skips an item that existed throughout.
 */
public record Page(int limit, String after) {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 500;

    /** Reads {@code limit} and {@code pageToken} query values, refusing bad ones by name. */
    public static Page of(Integer limit, String pageToken) {
        int size = limit == null ? DEFAULT_LIMIT : limit;
        if (size < 1 || size > MAX_LIMIT) {
            throw ApiException.invalid(List.of(new Violation("limit", "must be between 1 and " + MAX_LIMIT + ", not " + size)));
        }
        return new Page(size, pageToken == null || pageToken.isEmpty() ? null : decode(pageToken));
    }

    /** The token that continues after {@code lastKey}. */
    public static String tokenAfter(String lastKey) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("after:" + lastKey).getBytes(StandardCharsets.UTF_8));
    }

    /** The items of this page, and the next page's token when there may be more. */
    public record Result<T>(List<T> items, String nextPageToken) {
    }

    /** Trims a fetch of {@code limit + 1} rows into a page and its continuation. */
    public <T> Result<T> toResult(List<T> fetched, java.util.function.Function<T, String> key) {
        if (fetched.size() <= limit) {
            return new Result<>(fetched, null);
        }
        List<T> items = fetched.subList(0, limit);
        return new Result<>(List.copyOf(items), tokenAfter(key.apply(items.get(items.size() - 1))));
    }

    private static String decode(String token) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (text.startsWith("after:")) {
                return text.substring("after:".length());
            }
        } catch (IllegalArgumentException e) {
            // falls through to the refusal below
        }
        throw ApiException.invalid(List.of(new Violation("pageToken",
                "is not a token this API issued: pass back nextPageToken from the previous page unchanged")));
    }
}
