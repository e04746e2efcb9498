package dev.fedmesh.controlapi.store;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.auth.Role;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The JSON form of API tokens: reading a mint request, writing a token (never its secret). */
public final class TokenJson {
    private static final Pattern LIFETIME = Pattern.compile("^(\\d{1,6})(m|h|d)$");
    private static final Duration MIN_LIFETIME = Duration.ofMinutes(1);
    private static final List<String> ROLES = Arrays.stream(Role.values()).map(TokenJson::roleName).toList();

    private TokenJson() {
    }

    /**
     * Reads a mint request. A token expires after {@code expiresIn} (e.g. "30d"), at
     * {@code expiresAt} (RFC 3339), or, when neither is given, after {@code maxTtl}; never later.
     */
    public static TokenRequest read(String body, Duration maxTtl, OffsetDateTime now) {
        List<Violation> violations = new ArrayList<>();
        JsonObjectReader reader = JsonObjectReader.root(PolicyJson.parse(body), violations);
        String name = reader.requiredString("name");
        if (name != null && !Names.isValid(name)) {
            reader.reject("name", "'" + name + "' " + Names.RULE);
        }
        String role = reader.requiredString("role");
        if (role != null && !ROLES.contains(role)) {
            reader.reject("role", "'" + role + "' is not one of " + ROLES);
        }
        String expiresIn = reader.optionalString("expiresIn");
        String expiresAtText = reader.optionalString("expiresAt");
        OffsetDateTime latest = now.plus(maxTtl);
        OffsetDateTime expiresAt = latest;
        if (expiresIn != null && expiresAtText != null) {
            reader.reject("expiresAt", "cannot be given together with expiresIn; send one of them");
        } else if (expiresIn != null) {
            Duration lifetime = lifetime(expiresIn);
            if (lifetime == null) {
                reader.reject("expiresIn", "'" + expiresIn + "' must be a whole number followed by m, h or d, e.g. \"30d\"");
            } else if (lifetime.compareTo(MIN_LIFETIME) < 0 || lifetime.compareTo(maxTtl) > 0) {
                reader.reject("expiresIn", "must be between 1m and " + lifetimeText(maxTtl) + ", not " + expiresIn);
            } else {
                expiresAt = now.plus(lifetime);
            }
        } else if (expiresAtText != null) {
            expiresAt = instant(reader, expiresAtText);
            if (expiresAt != null && (expiresAt.isBefore(now.plus(MIN_LIFETIME)) || expiresAt.isAfter(latest))) {
                reader.reject("expiresAt", "must be at least 1m and at most " + lifetimeText(maxTtl) + " from now ("
                        + latest.withOffsetSameInstant(ZoneOffset.UTC) + "), not " + expiresAtText);
            }
        }
        reader.rejectUnknownFields();
        if (!violations.isEmpty()) {
            throw ApiException.invalid(violations);
        }
        return new TokenRequest(name, Role.valueOf(role.toUpperCase(Locale.ROOT)), expiresAt);
    }

    public static ObjectNode write(Token token) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("id", token.id().toString());
        json.put("name", token.name());
        json.put("role", roleName(token.role()));
        json.put("createdBy", token.createdBy());
        json.put("createdAt", token.createdAt().toString());
        putIfSet(json, "expiresAt", token.expiresAt());
        putIfSet(json, "revokedAt", token.revokedAt());
        putIfSet(json, "lastUsedAt", token.lastUsedAt());
        return json;
    }

    public static String toText(Token token) {
        return PolicyJson.toText(write(token));
    }

    public static String roleName(Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }

    private static Duration lifetime(String text) {
        Matcher matcher = LIFETIME.matcher(text);
        if (!matcher.matches()) {
            return null;
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }

    private static OffsetDateTime instant(JsonObjectReader reader, String text) {
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            reader.reject("expiresAt", "'" + text + "' must be an RFC 3339 time with an offset, e.g. \"2027-01-31T00:00:00Z\"");
            return null;
        }
    }

    private static String lifetimeText(Duration duration) {
        return duration.toHours() % 24 == 0 ? duration.toDays() + "d" : duration.toMinutes() + "m";
    }

    /** Absent, not null: the OpenAPI document's contract for a time that is not set. */
    private static void putIfSet(ObjectNode json, String field, OffsetDateTime time) {
        if (time != null) {
            json.put(field, time.toString());
        }
    }
}
