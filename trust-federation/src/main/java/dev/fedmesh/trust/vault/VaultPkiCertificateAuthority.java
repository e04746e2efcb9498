package dev.fedmesh.trust.vault;

import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.ca.CertificateAuthorityException;
import dev.fedmesh.trust.ca.IntermediateSigningRequest;
import dev.fedmesh.trust.ca.SignedIntermediate;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.trust.x509.InvalidPemException;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import dev.fedmesh.trust.x509.RootCertificate;
import io.github.jopenlibs.vault.json.JsonObject;
import io.github.jopenlibs.vault.json.JsonValue;
import io.github.jopenlibs.vault.response.LogicalResponse;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trust domain's root held by Vault's PKI secrets engine (1.11+, several issuers per mount): Vault
 * signs the clusters' intermediate CSRs under the mount's default issuer ({@code root/sign-intermediate})
 * or under another root a request names ({@code issuer/<id>/sign-intermediate}), makes new root issuers
 * for a rotation ({@code issuers/generate/root/internal}) and lists the mount's issuers for the roots.
 * The calls and the policy they need are in docs/trust.md.
 */
public final class VaultPkiCertificateAuthority implements CertificateAuthority {

    private static final Logger LOG = LoggerFactory.getLogger(VaultPkiCertificateAuthority.class);
    private static final String NAME_CONSTRAINTS_OID = "2.5.29.30";
    private static final DateTimeFormatter ISSUER_NAME_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

    private final VaultSettings settings;
    private final Clock clock;
    private final VaultSession session;
    /** Where the mount signs under each root, by the root's SHA-256, as last read or created. */
    private final Map<String, RootIssuer> rootIssuers = new ConcurrentHashMap<>();

    /**
     * Where the mount signs under {@code root}: at the default issuer ({@code id} empty) when the root is the
     * default issuer or the top of its chain, so that installs from before rotation keep today's call and
     * policy; otherwise at the root's own issuer.
     */
    private record RootIssuer(Optional<String> id, X509Certificate root) {

        String signPath(String mount) {
            return id.map(issuer -> mount + "/issuer/" + issuer + "/sign-intermediate").orElse(mount + "/root/sign-intermediate");
        }
    }

    public VaultPkiCertificateAuthority(VaultSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.session = new VaultSession(settings, clock);
    }

    /**
     * Signs under the mount's default issuer ({@code root/sign-intermediate}), or, when the request names a
     * root other than the default issuer's, under that root's issuer ({@code issuer/<id>/sign-intermediate}),
     * found by its fingerprint among the mount's issuers.
     */
    @Override
    public SignedIntermediate signIntermediate(IntermediateSigningRequest request) {
        TrustDomain trustDomain = request.trustDomain();
        RootIssuer root = request.rootSha256Hex().map(this::rootIssuer).orElse(null);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("csr", request.csr().toPem());
        body.put("common_name", "fedmesh intermediate " + trustDomain.name());
        body.put("exclude_cn_from_sans", true);
        body.put("uri_sans", trustDomain.id().toString());
        body.put("ttl", request.ttl().toSeconds() + "s");
        body.put("max_path_length", request.maxPathLength());
        body.put("format", "pem");
        body.put("use_csr_values", false);
        if (settings.permitUriDomains()) {
            body.put("permitted_uri_domains", trustDomain.name());
        }
        String path = root == null ? settings.pkiMount() + "/root/sign-intermediate" : root.signPath(settings.pkiMount());
        JsonObject data = data(session.write(path, body), path);
        X509Certificate certificate = certificate(data, "certificate", path);
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(certificate);
        for (X509Certificate issuer : chain(data, path)) {
            if (!issuer.equals(certificate)) {
                chain.add(issuer);
            }
        }
        check(certificate, request, path);
        if (root != null) {
            checkUnder(certificate, chain, root, path);
        }
        return new SignedIntermediate(chain);
    }

    /**
     * A new root issuer on the mount ({@code issuers/generate/root/internal}): common name
     * {@code fedmesh root <trust domain> <time>}, URI SAN {@code spiffe://<trust domain>}, the configured
     * root TTL and key type, named {@code fedmesh-<trust domain>-<time>} in Vault. Vault keeps the mount's
     * default issuer as it was (unless {@code default_follows_latest_issuer} is set on the mount), so the
     * new root signs only requests that name it.
     */
    @Override
    public X509Certificate createRoot(TrustDomain trustDomain) {
        String time = ISSUER_NAME_TIME.format(clock.instant());
        String issuerName = "fedmesh-" + trustDomain.name().replaceAll("[^a-z0-9-]", "-") + "-" + time;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("common_name", "fedmesh root " + trustDomain.name() + " " + time);
        body.put("exclude_cn_from_sans", true);
        body.put("uri_sans", trustDomain.id().toString());
        body.put("ttl", settings.rootTtl().toSeconds() + "s");
        body.put("key_type", settings.rootKeyType() == KeyType.RSA ? "rsa" : "ec");
        body.put("key_bits", switch (settings.rootKeyType()) {
            case EC_P256 -> 256;
            case EC_P384 -> 384;
            case RSA -> 2048;
        });
        body.put("issuer_name", issuerName);
        body.put("format", "pem");
        String path = settings.pkiMount() + "/issuers/generate/root/internal";
        LogicalResponse response;
        try {
            response = session.write(path, body);
        } catch (VaultCallException e) {
            if (e.status() == 404) {
                throw new VaultCallException(404, e.getMessage() + "; check " + VaultSettings.PREFIX + "pki-mount (\""
                        + settings.pkiMount() + "\"): if the mount is right, root rotation needs the multi-issuer PKI API"
                        + " of Vault 1.11 or later", e);
            }
            throw e;
        }
        JsonObject data = data(response, path);
        X509Certificate root = certificate(data, "certificate", path);
        JsonValue issuerId = data.get("issuer_id");
        String vault = "Vault at " + settings.baseAddress() + " (" + path + ")";
        if (issuerId == null || !issuerId.isString() || issuerId.asString().isBlank()) {
            throw new CertificateAuthorityException(vault + " answered without \"issuer_id\": the mount is not a"
                    + " multi-issuer PKI mount; root rotation needs Vault 1.11 or later");
        }
        if (!RootCertificate.isRoot(root) || !CertificateUris.of(root).equals(List.of(trustDomain.id().toString()))) {
            throw new CertificateAuthorityException(vault + " returned a certificate that is not a self-signed root of "
                    + trustDomain.id() + " (URI SANs " + CertificateUris.of(root) + ")");
        }
        String sha256Hex = CertificateFingerprint.sha256Hex(root);
        rootIssuers.put(sha256Hex, new RootIssuer(Optional.of(issuerId.asString()), root));
        LOG.info("Vault at {} created root issuer {} ({}) on mount {} for trust domain {}: SHA-256 {}, valid until {}",
                settings.baseAddress(), issuerId.asString(), issuerName, settings.pkiMount(), trustDomain, sha256Hex,
                root.getNotAfter().toInstant());
        return root;
    }

    private RootIssuer rootIssuer(String sha256Hex) {
        RootIssuer known = rootIssuers.get(sha256Hex);
        if (known != null) {
            return known;
        }
        // Not seen yet (first use, or made by another control-plane instance or in Vault): read the issuers again.
        Map<String, RootIssuer> found = new HashMap<>();
        List<X509Certificate> roots = readRoots(found);
        String defaultPath = settings.pkiMount() + "/issuer/default/json";
        JsonObject defaultIssuer = data(session.read(defaultPath), defaultPath);
        List<X509Certificate> defaultChain = new ArrayList<>();
        defaultChain.add(certificate(defaultIssuer, "certificate", defaultPath));
        defaultChain.addAll(chain(defaultIssuer, defaultPath));
        for (X509Certificate candidate : defaultChain) {
            if (RootCertificate.isRoot(candidate)) {
                found.put(CertificateFingerprint.sha256Hex(candidate), new RootIssuer(Optional.empty(), candidate));
            }
        }
        rootIssuers.putAll(found);
        known = rootIssuers.get(sha256Hex);
        if (known == null) {
            throw new CertificateAuthorityException("Vault at " + settings.baseAddress() + " holds no root issuer with"
                    + " SHA-256 " + sha256Hex + " on mount " + settings.pkiMount() + " (its roots: "
                    + roots.stream().map(CertificateFingerprint::sha256Hex).toList() + "): name one of these, or create"
                    + " the root first (createRoot: POST /v1/" + settings.pkiMount() + "/issuers/generate/root/internal)");
        }
        return known;
    }

    /** The intermediate must chain to the root the request named, whatever changed on the mount meanwhile. */
    private void checkUnder(X509Certificate certificate, List<X509Certificate> chain, RootIssuer root, String path) {
        String sha256Hex = CertificateFingerprint.sha256Hex(root.root());
        boolean under;
        if (root.id().isPresent()) {
            try {
                certificate.verify(root.root().getPublicKey());
                under = true;
            } catch (GeneralSecurityException e) {
                under = false;
            }
        } else {
            under = chain.contains(root.root());
        }
        if (!under) {
            // Forget where this root signs, so that the next request reads the mount's issuers again.
            rootIssuers.remove(sha256Hex);
            throw new CertificateAuthorityException("Vault at " + settings.baseAddress() + " (" + path + ") returned an"
                    + " intermediate that does not chain to root " + sha256Hex + ", the one asked for: the mount's"
                    + " issuers changed (a new default issuer?); the next request reads them again");
        }
    }

    private void check(X509Certificate certificate, IntermediateSigningRequest request, String path) {
        String vault = "Vault at " + settings.baseAddress() + " (" + path + ")";
        if (!certificate.getPublicKey().equals(request.csr().publicKey())) {
            throw new CertificateAuthorityException(vault + " returned a certificate for another key than the CSR's");
        }
        if (!CertificateUris.of(certificate).equals(List.of(request.trustDomain().id().toString()))) {
            throw new CertificateAuthorityException(vault + " returned a certificate with URI SANs "
                    + CertificateUris.of(certificate) + " instead of exactly " + request.trustDomain().id());
        }
        boolean constrained = certificate.getCriticalExtensionOIDs() != null
                && certificate.getCriticalExtensionOIDs().contains(NAME_CONSTRAINTS_OID);
        if (settings.permitUriDomains() && !constrained) {
            throw new CertificateAuthorityException(vault + " signed the intermediate without the URI name constraint"
                    + " it was asked for: Vault before 1.19 ignores permitted_uri_domains. Upgrade Vault, or set "
                    + VaultSettings.PREFIX + "permit-uri-domains=false to accept unconstrained intermediates");
        }
    }

    /** Every self-signed certificate among the mount's issuers and their chains: the roots during a rotation too. */
    @Override
    public List<X509Certificate> roots(TrustDomain trustDomain) {
        return readRoots(new HashMap<>());
    }

    /** Every root among the mount's issuers and their chains; each issuer that is itself a root goes into {@code found}. */
    private List<X509Certificate> readRoots(Map<String, RootIssuer> found) {
        String issuersPath = settings.pkiMount() + "/issuers";
        List<String> ids = session.list(issuersPath);
        List<X509Certificate> roots = new ArrayList<>();
        for (String id : ids) {
            String path = settings.pkiMount() + "/issuer/" + id + "/json";
            JsonObject data = data(session.read(path), path);
            X509Certificate issuer = certificate(data, "certificate", path);
            if (RootCertificate.isRoot(issuer)) {
                found.put(CertificateFingerprint.sha256Hex(issuer), new RootIssuer(Optional.of(id), issuer));
            }
            List<X509Certificate> candidates = new ArrayList<>();
            candidates.add(issuer);
            candidates.addAll(chain(data, path));
            for (X509Certificate candidate : candidates) {
                if (RootCertificate.isRoot(candidate) && !roots.contains(candidate)) {
                    roots.add(candidate);
                }
            }
        }
        if (roots.isEmpty()) {
            throw new CertificateAuthorityException("Vault at " + settings.baseAddress() + " has no root among the "
                    + ids.size() + " issuers of mount " + settings.pkiMount() + ": generate a root there, or import the"
                    + " chain up to your own root (POST /v1/" + settings.pkiMount() + "/issuers/import/cert)");
        }
        return roots;
    }

    @Override
    public boolean constrainsNames() {
        return settings.permitUriDomains();
    }

    private JsonObject data(LogicalResponse response, String path) {
        JsonObject data = response.getDataObject();
        if (data == null || data.isEmpty()) {
            throw new CertificateAuthorityException("Vault at " + settings.baseAddress() + " answered " + path + " without data");
        }
        return data;
    }

    private X509Certificate certificate(JsonObject data, String field, String path) {
        JsonValue value = data.get(field);
        if (value == null || !value.isString()) {
            throw new CertificateAuthorityException("Vault at " + settings.baseAddress() + " answered " + path
                    + " without \"" + field + "\"");
        }
        try {
            return Pem.certificate(value.asString());
        } catch (InvalidPemException e) {
            throw new CertificateAuthorityException("Vault at " + settings.baseAddress() + " answered " + path
                    + " with a \"" + field + "\" that is not one PEM certificate: " + e.getMessage(), e);
        }
    }

    private List<X509Certificate> chain(JsonObject data, String path) {
        JsonValue value = data.get("ca_chain");
        List<X509Certificate> chain = new ArrayList<>();
        if (value == null || !value.isArray()) {
            JsonValue issuing = data.get("issuing_ca");
            if (issuing != null && issuing.isString() && !issuing.asString().isBlank()) {
                chain.addAll(Pem.certificates(issuing.asString()));
            }
            return chain;
        }
        for (JsonValue element : value.asArray()) {
            if (!element.isString()) {
                throw new CertificateAuthorityException("Vault at " + settings.baseAddress() + " answered " + path
                        + " with a ca_chain element that is not PEM text");
            }
            chain.addAll(Pem.certificates(element.asString()));
        }
        return chain;
    }

    @Override
    public String toString() {
        return "VaultPkiCertificateAuthority[" + settings.baseAddress() + ", mount " + settings.pkiMount() + "]";
    }
}
