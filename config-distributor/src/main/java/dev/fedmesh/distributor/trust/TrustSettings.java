package dev.fedmesh.distributor.trust;

import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.issuance.IntermediateTerms;
import dev.fedmesh.trust.vault.VaultPkiCertificateAuthority;
import dev.fedmesh.trust.vault.VaultSettings;
import io.micronaut.core.value.PropertyResolver;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How the distributor issues the clusters' intermediates ({@code fedmesh.trust.*}): through Vault
 * when {@code fedmesh.trust.vault.address} is set, else through the built-in CA in a directory;
 * the intermediates' terms; how long an unused bootstrap credential may prove a first request; and
 * how long a root rotation waits, once every cluster reports a stage applied, before the next.
 */
public record TrustSettings(Optional<VaultSettings> vault, Path builtInCaDirectory, IntermediateTerms terms,
                            Duration bootstrapCredentialLifetime, Duration rotationSettle) {

    static final String PREFIX = "fedmesh.trust.";
    /** Where the built-in CA keeps its roots unless told otherwise: beside the user's other fedmesh state. */
    public static final Path DEFAULT_BUILT_IN_CA_DIRECTORY = Path.of(System.getProperty("user.home"), ".fedmesh", "ca");
    /** Long enough to install an agent after registering its cluster, short enough that a leaked, unused credential dies. */
    public static final Duration DEFAULT_BOOTSTRAP_CREDENTIAL_LIFETIME = Duration.ofDays(7);
    /**
     * Time for workloads to load what their agent wrote (in the bootstrap fedmesh writes, grpc-java's
     * file_watcher reads its files every 5 s; Envoy gets SDS pushes at once), with a wide margin.
     */
    public static final Duration DEFAULT_ROTATION_SETTLE = Duration.ofSeconds(30);

    private static final List<String> VAULT_PROPERTIES = List.of("address", "pki-mount", "namespace", "auth.method",
            "auth.token-file", "auth.approle.mount", "auth.approle.role-id", "auth.approle.secret-id-file",
            "permit-uri-domains", "timeout", "tls.ca-file", "root-ttl", "root-key-type");

    public TrustSettings {
        Objects.requireNonNull(vault, "vault");
        Objects.requireNonNull(builtInCaDirectory, "builtInCaDirectory");
        Objects.requireNonNull(terms, "terms");
        if (bootstrapCredentialLifetime.isNegative() || bootstrapCredentialLifetime.isZero()) {
            throw new IllegalArgumentException(PREFIX + "bootstrap-credential-lifetime is " + bootstrapCredentialLifetime
                    + ": it must be positive, e.g. P7D");
        }
        if (rotationSettle.isNegative()) {
            throw new IllegalArgumentException(PREFIX + "root-rotation.settle is " + rotationSettle
                    + ": it must be 0 or more, e.g. PT30S");
        }
    }

    /** The same settings with root rotations waiting {@code settle} after each stage is reported applied. */
    public TrustSettings withRotationSettle(Duration settle) {
        return new TrustSettings(vault, builtInCaDirectory, terms, bootstrapCredentialLifetime, settle);
    }

    /** The built-in CA in {@code directory}, default terms and lifetime: for a laptop and for tests. */
    public static TrustSettings builtIn(Path directory) {
        return new TrustSettings(Optional.empty(), directory, IntermediateTerms.DEFAULT, DEFAULT_BOOTSTRAP_CREDENTIAL_LIFETIME,
                DEFAULT_ROTATION_SETTLE);
    }

    /** Reads {@code fedmesh.trust.*}; a value that cannot be used stops the start with a message naming it. */
    public static TrustSettings from(PropertyResolver properties) {
        Optional<VaultSettings> vault = Optional.empty();
        if (properties.get(PREFIX + "vault.address", String.class).filter(address -> !address.isBlank()).isPresent()) {
            Map<String, String> given = new HashMap<>();
            for (String name : VAULT_PROPERTIES) {
                properties.get(VaultSettings.PREFIX + name, String.class).ifPresent(value -> given.put(VaultSettings.PREFIX + name, value));
            }
            vault = Optional.of(VaultSettings.fromProperties(given));
        }
        Path directory = properties.get(PREFIX + "builtin-ca.directory", String.class)
                .filter(value -> !value.isBlank()).map(Path::of).orElse(DEFAULT_BUILT_IN_CA_DIRECTORY);
        IntermediateTerms terms = new IntermediateTerms(
                duration(properties, PREFIX + "intermediate.ttl", IntermediateTerms.DEFAULT.ttl()),
                properties.get(PREFIX + "intermediate.max-path-length", Integer.class, IntermediateTerms.DEFAULT.maxPathLength()));
        Duration lifetime = duration(properties, PREFIX + "bootstrap-credential-lifetime",
                DEFAULT_BOOTSTRAP_CREDENTIAL_LIFETIME);
        Duration settle = duration(properties, PREFIX + "root-rotation.settle", DEFAULT_ROTATION_SETTLE);
        return new TrustSettings(vault, directory, terms, lifetime, settle);
    }

    /** {@code name} as a duration, or {@code fallback} when unset; a value that is no duration stops the start. */
    private static Duration duration(PropertyResolver properties, String name, Duration fallback) {
        Optional<String> given = properties.get(name, String.class).filter(value -> !value.isBlank());
        if (given.isEmpty()) {
            return fallback;
        }
        return properties.get(name, Duration.class).orElseThrow(() -> new IllegalArgumentException(name + " is '"
                + given.get() + "', which is not a duration: write it as ISO-8601 (e.g. PT30S, P7D) or as 30s, 10m, 7d"));
    }

    /** The CA these settings name: Vault's PKI engine, or the built-in CA (which logs that it is not for production). */
    public CertificateAuthority openCa(Clock clock) {
        return vault.<CertificateAuthority>map(settings -> new VaultPkiCertificateAuthority(settings, clock))
                .orElseGet(() -> BuiltInCertificateAuthority.open(builtInCaDirectory, clock));
    }
}
