package dev.fedmesh.trust.vault;

import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.ca.CertificateAuthorityException;
import dev.fedmesh.trust.ca.IntermediateSigningRequest;
import dev.fedmesh.trust.ca.SignedIntermediate;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.trust.x509.InvalidPemException;
import dev.fedmesh.trust.x509.Pem;
import dev.fedmesh.trust.x509.RootCertificate;
import io.github.jopenlibs.vault.json.JsonObject;
import io.github.jopenlibs.vault.json.JsonValue;
import io.github.jopenlibs.vault.response.LogicalResponse;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trust domain's root held by Vault's PKI secrets engine: Vault signs the clusters' intermediate
 * CSRs ({@code root/sign-intermediate}) and lists the mount's issuers for the roots. The calls and
 * the policy they need are in docs/trust.md.
 */
public final class VaultPkiCertificateAuthority implements CertificateAuthority {

    private static final String NAME_CONSTRAINTS_OID = "2.5.29.30";

    private final VaultSettings settings;
    private final VaultSession session;

    public VaultPkiCertificateAuthority(VaultSettings settings, Clock clock) {
        this.settings = settings;
        this.session = new VaultSession(settings, clock);
    }

    @Override
    public SignedIntermediate signIntermediate(IntermediateSigningRequest request) {
        TrustDomain trustDomain = request.trustDomain();
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
        String path = settings.pkiMount() + "/root/sign-intermediate";
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
        return new SignedIntermediate(chain);
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
        String issuersPath = settings.pkiMount() + "/issuers";
        List<String> ids = session.list(issuersPath);
        List<X509Certificate> roots = new ArrayList<>();
        for (String id : ids) {
            String path = settings.pkiMount() + "/issuer/" + id + "/json";
            JsonObject data = data(session.read(path), path);
            List<X509Certificate> candidates = new ArrayList<>();
            candidates.add(certificate(data, "certificate", path));
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
