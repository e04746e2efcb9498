package dev.fedmesh.trust.issuance;

import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.ca.IntermediateSigningRequest;
import dev.fedmesh.trust.x509.CertificateRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a cluster's intermediate CSR into its intermediate certificate: checks the CSR, refuses with
 * an audit entry when it must, and has the CA sign it once per key, so a retry, a restart or a
 * second control-plane instance gets the same certificate back.
 */
public final class IntermediateIssuer {

    private static final Logger LOG = LoggerFactory.getLogger(IntermediateIssuer.class);

    private final CertificateAuthority ca;
    private final IssuedIntermediates issued;
    private final RefusalAudit audit;
    private final IntermediateTerms terms;
    private final Clock clock;

    public IntermediateIssuer(CertificateAuthority ca, IssuedIntermediates issued, RefusalAudit audit, IntermediateTerms terms,
            Clock clock) {
        this.ca = Objects.requireNonNull(ca, "ca");
        this.issued = Objects.requireNonNull(issued, "issued");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.terms = Objects.requireNonNull(terms, "terms");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The intermediate for the CSR's key, issued now or earlier; throws {@link IntermediateRefusedException} when refused. */
    public IssuedIntermediate issue(IntermediateOwner owner, CertificateRequest csr) {
        return issue(owner, csr, Optional.empty());
    }

    /**
     * The same, signed under the root whose SHA-256 fingerprint is {@code rootSha256Hex} (64 lower-case hex
     * digits; empty: the CA's default root). A key that already has its intermediate gets that one back,
     * whichever root signed it: one certificate per key.
     */
    public IssuedIntermediate issue(IntermediateOwner owner, CertificateRequest csr, Optional<String> rootSha256Hex) {
        byte[] keySha256 = csr.publicKeySha256();
        String keyHex = HexFormat.of().formatHex(keySha256);
        Optional<Refusal> problem = IntermediateRequestCheck.problem(owner.trustDomain(), csr);
        if (problem.isPresent()) {
            throw refuse(owner, keyHex, problem.get());
        }
        IntermediateSigningRequest request = new IntermediateSigningRequest(owner.trustDomain(), csr, terms.ttl(),
                terms.maxPathLength(), rootSha256Hex);
        IssuedIntermediate result = issued.issueOnce(owner, keySha256, () -> {
            IssuedIntermediate signed = new IssuedIntermediate(owner, keySha256, ca.signIntermediate(request));
            LOG.info("Issued intermediate for {}: key sha256 {}, root sha256 {}, valid until {}", owner, keyHex,
                    rootSha256Hex.orElse("(the CA's default)"), signed.signed().certificate().getNotAfter().toInstant());
            return signed;
        });
        if (!result.owner().equals(owner)) {
            throw refuse(owner, keyHex, new Refusal(Refusal.Code.KEY_HELD_BY_ANOTHER_CLUSTER,
                    "this key already has an intermediate issued to another cluster or tenant: every cluster must"
                            + " generate its own intermediate key"));
        }
        Instant notAfter = result.signed().certificate().getNotAfter().toInstant();
        if (!clock.instant().isBefore(notAfter)) {
            // One certificate per key, ever: an expired one is not re-signed, the agent rotates its key.
            throw refuse(owner, keyHex, new Refusal(Refusal.Code.KEY_EXPIRED, "the intermediate issued for this key"
                    + " expired at " + notAfter + ": generate a new intermediate key and send its CSR"));
        }
        return result;
    }

    private IntermediateRefusedException refuse(IntermediateOwner owner, String keyHex, Refusal refusal) {
        audit.refused(owner, keyHex, refusal);
        LOG.warn("Refused intermediate for {} (key sha256 {}): {}", owner, keyHex, refusal.reason());
        return new IntermediateRefusedException(owner, refusal);
    }
}
