package dev.fedmesh.trust.vault;

import java.net.URI;
import dev.fedmesh.trust.x509.KeyType;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Where Vault's PKI secrets engine is and how to reach it: address, PKI mount, Enterprise
 * namespace (null for none), auth, whether to ask Vault for the URI name constraint (Vault 1.19
 * and later), the HTTP timeout, the PEM file of the CA that signed Vault's TLS certificate
 * (null: the JDK's trusted CAs), and the lifetime and key type of the roots a rotation makes. Read
 * from {@code fedmesh.trust.vault.*} properties.
 */
public record VaultSettings(URI address, String pkiMount, String namespace, VaultAuth auth, boolean permitUriDomains,
        Duration timeout, Path tlsCaFile, Duration rootTtl, KeyType rootKeyType) {

    public static final String PREFIX = "fedmesh.trust.vault.";
    /** Ten years, as docs/trust.md tunes the mount's max-lease-ttl (87600h). */
    public static final Duration DEFAULT_ROOT_TTL = Duration.ofDays(3650);
    public static final KeyType DEFAULT_ROOT_KEY_TYPE = KeyType.EC_P256;

    public VaultSettings {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(pkiMount, "pkiMount");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(rootTtl, "rootTtl");
        Objects.requireNonNull(rootKeyType, "rootKeyType");
        pkiMount = trimSlashes(pkiMount);
        if (rootTtl.compareTo(Duration.ofDays(1)) < 0) {
            throw new IllegalArgumentException(PREFIX + "root-ttl is " + rootTtl + ": a root must live at least a day"
                    + " (P1D); use e.g. P3650D, within the mount's max-lease-ttl");
        }
    }

    /** Settings whose rotations make roots of the default lifetime (ten years) and key type (EC P-256). */
    public VaultSettings(URI address, String pkiMount, String namespace, VaultAuth auth, boolean permitUriDomains,
            Duration timeout, Path tlsCaFile) {
        this(address, pkiMount, namespace, auth, permitUriDomains, timeout, tlsCaFile, DEFAULT_ROOT_TTL, DEFAULT_ROOT_KEY_TYPE);
    }

    /**
     * Reads the settings from properties named {@code fedmesh.trust.vault.<name>}: {@code address}
     * (required), {@code pki-mount} (pki), {@code namespace}, {@code auth.method} (token or approle),
     * {@code auth.token-file}, {@code auth.approle.mount} (approle), {@code auth.approle.role-id},
     * {@code auth.approle.secret-id-file}, {@code permit-uri-domains} (true), {@code timeout} (PT10S),
     * {@code tls.ca-file}, {@code root-ttl} (P3650D), {@code root-key-type} (ec-p256, ec-p384 or rsa-2048).
     */
    public static VaultSettings fromProperties(Map<String, String> properties) {
        URI address = address(required(properties, "address"));
        String method = properties.getOrDefault(PREFIX + "auth.method", "token");
        VaultAuth auth = switch (method) {
            case "token" -> new VaultAuth.TokenFile(Path.of(required(properties, "auth.token-file")));
            case "approle" -> new VaultAuth.AppRole(properties.getOrDefault(PREFIX + "auth.approle.mount", "approle"),
                    required(properties, "auth.approle.role-id"), Path.of(required(properties, "auth.approle.secret-id-file")));
            default -> throw new IllegalArgumentException(PREFIX + "auth.method is \"" + method
                    + "\": use token (with " + PREFIX + "auth.token-file) or approle (with " + PREFIX
                    + "auth.approle.role-id and " + PREFIX + "auth.approle.secret-id-file)");
        };
        String permit = properties.getOrDefault(PREFIX + "permit-uri-domains", "true");
        if (!permit.equals("true") && !permit.equals("false")) {
            throw new IllegalArgumentException(PREFIX + "permit-uri-domains is \"" + permit + "\": use true or false");
        }
        String timeout = properties.getOrDefault(PREFIX + "timeout", "PT10S");
        Duration parsedTimeout;
        try {
            parsedTimeout = Duration.parse(timeout);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(PREFIX + "timeout is \"" + timeout + "\": use an ISO-8601 duration such as PT10S");
        }
        String namespace = properties.get(PREFIX + "namespace");
        String caFile = properties.get(PREFIX + "tls.ca-file");
        return new VaultSettings(address, properties.getOrDefault(PREFIX + "pki-mount", "pki"),
                namespace == null || namespace.isBlank() ? null : namespace, auth, Boolean.parseBoolean(permit), parsedTimeout,
                caFile == null || caFile.isBlank() ? null : Path.of(caFile.strip()), rootTtl(properties), rootKeyType(properties));
    }

    private static Duration rootTtl(Map<String, String> properties) {
        String value = properties.get(PREFIX + "root-ttl");
        if (value == null || value.isBlank()) {
            return DEFAULT_ROOT_TTL;
        }
        try {
            return Duration.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(PREFIX + "root-ttl is \"" + value + "\": use an ISO-8601 duration such as P3650D");
        }
    }

    private static KeyType rootKeyType(Map<String, String> properties) {
        String value = properties.get(PREFIX + "root-key-type");
        if (value == null || value.isBlank()) {
            return DEFAULT_ROOT_KEY_TYPE;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "ec-p256" -> KeyType.EC_P256;
            case "ec-p384" -> KeyType.EC_P384;
            case "rsa-2048" -> KeyType.RSA;
            default -> throw new IllegalArgumentException(PREFIX + "root-key-type is \"" + value
                    + "\": use ec-p256 (the default), ec-p384 or rsa-2048");
        };
    }

    private static String required(Map<String, String> properties, String name) {
        String value = properties.get(PREFIX + name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(PREFIX + name + " is not set: see \"Configuration\" in docs/trust.md");
        }
        return value.strip();
    }

    private static URI address(String value) {
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || !(("https".equals(uri.getScheme())) || "http".equals(uri.getScheme()))) {
            throw new IllegalArgumentException(PREFIX + "address is \"" + value
                    + "\": give Vault's base URL, e.g. https://vault.example.com:8200");
        }
        return uri;
    }

    private static String trimSlashes(String mount) {
        String trimmed = mount.strip();
        while (trimmed.startsWith("/")) {
            trimmed = trimmed.substring(1);
        }
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException(PREFIX + "pki-mount is empty: give the PKI secrets engine's path, e.g. pki");
        }
        return trimmed;
    }

    /** Vault's base address without a trailing slash, as the driver wants it. */
    String baseAddress() {
        String text = address.toString();
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }
}
