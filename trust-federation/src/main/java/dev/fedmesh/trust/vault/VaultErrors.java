package dev.fedmesh.trust.vault;

import io.github.jopenlibs.vault.json.Json;
import io.github.jopenlibs.vault.json.JsonValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Vault's {@code {"errors": [...]}} answer as text for an error message; anything else is summarised, not echoed. */
final class VaultErrors {

    private static final int MAX_LENGTH = 500;

    private VaultErrors() {
    }

    static String of(byte[] body) {
        String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
        List<String> errors = new ArrayList<>();
        try {
            JsonValue value = Json.parse(text).asObject().get("errors");
            if (value != null && value.isArray()) {
                for (JsonValue error : value.asArray()) {
                    errors.add(error.isString() ? error.asString() : error.toString());
                }
            }
        } catch (RuntimeException e) {
            return text.isBlank() ? "no error text" : "a body that is not Vault's JSON (" + text.length() + " bytes)";
        }
        String joined = errors.isEmpty() ? "no error text" : String.join("; ", errors);
        return joined.length() > MAX_LENGTH ? joined.substring(0, MAX_LENGTH) + "…" : joined;
    }
}
