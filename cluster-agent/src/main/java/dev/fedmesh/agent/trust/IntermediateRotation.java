package dev.fedmesh.agent.trust;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.ClusterIntermediate;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.svid.SvidIssuer;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.Pem;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's intermediate CA as its agent holds it: a key of its own, the certificate the desired
 * config carries for that key, and the request that asks for it. The first key is asked for with the
 * bootstrap credential; at two thirds of the intermediate's life a new key is asked for with a
 * renewal proof, while SVIDs are still issued from the current one until the new certificate
 * arrives. A config naming a signing root other than the one the current intermediate chains to (a
 * root rotation) has the new key asked for at once, the same way.
 */
public final class IntermediateRotation {

    private static final Logger LOG = LoggerFactory.getLogger(IntermediateRotation.class);

    private final String tenant;
    private final String cluster;
    private final IntermediateKeyFiles keyFiles;
    private final Optional<BootstrapCredential> credential;
    private TrustDomain trustDomain;
    private KeyPair currentKey;
    private List<X509Certificate> currentChain;
    private KeyPair nextKey;
    private IntermediateRequest request;
    private boolean warnedNoCredential;
    private List<X509Certificate> bundle = List.of();
    private String signingRootSha256 = "";
    private String currentRootSha256 = "";
    private boolean needsNewRoot;

    public IntermediateRotation(String tenant, String cluster, IntermediateKeyFiles keyFiles,
                                Optional<BootstrapCredential> credential) {
        this.tenant = Objects.requireNonNull(tenant, "tenant");
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.keyFiles = Objects.requireNonNull(keyFiles, "keyFiles");
        this.credential = Objects.requireNonNull(credential, "credential");
        this.currentKey = keyFiles.current().orElse(null);
        this.nextKey = keyFiles.next().orElse(null);
    }

    /**
     * Whether a config could bring this rotation an intermediate it is waiting for: the renewal asked
     * for, or the chain of a key kept from before a restart. While not, a config whose trust and
     * intermediates equal the last one's changes nothing here.
     */
    public synchronized boolean awaitsIntermediate() {
        return nextKey != null || request != null || (currentKey != null && currentChain == null);
    }

    /**
     * Takes the trust domain, roots, signing root and this cluster's intermediates from a newly
     * applied config; true when the intermediate SVIDs are issued from changed (the first one
     * arrived, the next one replaced the current one, or the current one was revoked). All or nothing: when it throws (a
     * certificate that does not parse, the next key's file that cannot replace the current one's),
     * nothing was taken and the same config can be given again.
     */
    public synchronized boolean configApplied(DesiredConfig config) {
        String domain = config.getTrust().getTrustDomain();
        if (domain.isEmpty()) {
            return false;
        }
        TrustDomain applied = TrustDomain.of(domain);
        List<X509Certificate> roots = new ArrayList<>();
        config.getTrust().getRootCertificatesPemList().forEach(pem -> roots.addAll(Pem.certificates(pem)));
        String signingRoot = HexFormat.of().formatHex(config.getTrust().getSigningRootSha256().toByteArray());
        Optional<Taken> taken = takenIntermediate(config);
        // Every config carries each unexpired intermediate issued to the cluster: one that no longer
        // carries the agent's was revoked (the cluster's credential re-issued, the cluster or tenant
        // deleted and registered again). No SVID is issued from it any more, and a new one is asked
        // for, for a new key, with the bootstrap credential; a renewal signed with it would be refused.
        boolean revoked = taken.isEmpty() && currentChain != null && chainFor(config, currentKey).isEmpty();
        List<X509Certificate> chain = revoked ? null : taken.map(Taken::chain).orElse(currentChain);
        String chainRoot = chain == null ? ""
                : IntermediateChainRoot.of(chain, roots, signingRoot).map(CertificateFingerprint::sha256Hex).orElse("");
        boolean newRoot = chain != null && IntermediateChainRoot.needsNewRoot(chain, roots, signingRoot);
        // The one write, last of what can fail: once the next key is the current one, the rest cannot fail.
        if (taken.isPresent() && taken.get().promoted()) {
            keyFiles.promoteNext();
        }
        if (!applied.equals(trustDomain)) {
            trustDomain = applied;
            request = null;
        }
        bundle = List.copyOf(roots);
        signingRootSha256 = signingRoot;
        taken.ifPresent(this::take);
        if (revoked) {
            LOG.warn("tenant={} cluster={} revision {} no longer carries this cluster's intermediate (key sha256 {}): it"
                            + " was revoked (the cluster's bootstrap credential re-issued, or the cluster or its tenant"
                            + " deleted and registered again). No SVID is issued from it any more; a new one is asked"
                            + " for with the bootstrap credential", tenant, cluster, config.getRevision(), hex(currentKey));
            currentKey = null;
            currentChain = null;
            nextKey = null;
            request = null;
        }
        currentRootSha256 = chainRoot;
        needsNewRoot = newRoot;
        return taken.isPresent() || revoked;
    }

    /** An intermediate the config carries for a key of the agent's, not yet taken. */
    private record Taken(KeyPair key, List<X509Certificate> chain, boolean promoted) {
    }

    /** The intermediate the config brings: the next key's (a renewal), or the current key's while it has none. */
    private Optional<Taken> takenIntermediate(DesiredConfig config) {
        if (nextKey != null) {
            Optional<List<X509Certificate>> next = chainFor(config, nextKey);
            if (next.isPresent()) {
                return Optional.of(new Taken(nextKey, next.get(), true));
            }
        }
        if (currentKey != null && currentChain == null) {
            return chainFor(config, currentKey).map(chain -> new Taken(currentKey, chain, false));
        }
        return Optional.empty();
    }

    private void take(Taken taken) {
        currentKey = taken.key();
        currentChain = taken.chain();
        request = null;
        if (taken.promoted()) {
            nextKey = null;
            LOG.info("tenant={} cluster={} switched to its new intermediate (key sha256 {}), valid until {};"
                            + " SVIDs issued from the previous one stay valid until they expire", tenant, cluster,
                    hex(currentKey), currentChain.get(0).getNotAfter().toInstant());
        } else {
            LOG.info("tenant={} cluster={} holds its intermediate (key sha256 {}), valid until {}", tenant, cluster,
                    hex(currentKey), currentChain.get(0).getNotAfter().toInstant());
        }
    }

    /**
     * The request to put in every status report now, or empty when the agent holds a current
     * intermediate that is not yet due for renewal (or knows no trust domain yet).
     */
    public synchronized Optional<IntermediateRequest> request(Instant now) {
        if (trustDomain == null) {
            return Optional.empty();
        }
        if (currentChain != null && !now.isBefore(currentChain.get(0).getNotAfter().toInstant())) {
            // Expired (the agent was away past its renewal): the control plane will not renew with it.
            LOG.warn("tenant={} cluster={} intermediate expired at {}; asking for a new one with the bootstrap"
                    + " credential", tenant, cluster, currentChain.get(0).getNotAfter().toInstant());
            currentChain = null;
            currentKey = null;
            nextKey = null;
            request = null;
        }
        if (request != null) {
            return Optional.of(request);
        }
        if (currentChain == null) {
            if (credential.isEmpty()) {
                if (!warnedNoCredential) {
                    warnedNoCredential = true;
                    LOG.warn("tenant={} cluster={} has no intermediate CA and no bootstrap credential to ask for one,"
                            + " so it issues no workload SVIDs: set fedmesh.agent.bootstrap-credential-file"
                            + " (FEDMESH_AGENT_BOOTSTRAP_CREDENTIAL_FILE) to the file holding the cluster's bootstrap"
                            + " credential", tenant, cluster);
                }
                return Optional.empty();
            }
            if (currentKey == null) {
                currentKey = keyFiles.newCurrent();
            }
            request = firstRequest(now);
            LOG.info("tenant={} cluster={} asks for its first intermediate (key sha256 {})", tenant, cluster,
                    hex(currentKey));
            return Optional.of(request);
        }
        if (now.isBefore(renewAt()) && !needsNewRoot) {
            return Optional.empty();
        }
        // A key kept from before a restart is asked for again: one new key per need.
        if (nextKey == null) {
            nextKey = keyFiles.newNext();
        }
        request = renewalRequest(now);
        if (needsNewRoot) {
            LOG.info("tenant={} cluster={} asks at once for a new intermediate under signing root {} (its current one,"
                            + " valid until {}, chains to root {}) for a new key (sha256 {})", tenant, cluster,
                    signingRootSha256, currentChain.get(0).getNotAfter().toInstant(),
                    currentRootSha256.isEmpty() ? "none of the bundle" : currentRootSha256, hex(nextKey));
        } else {
            LOG.info("tenant={} cluster={} asks to renew its intermediate (valid until {}) for a new key (sha256 {})",
                    tenant, cluster, currentChain.get(0).getNotAfter().toInstant(), hex(nextKey));
        }
        return Optional.of(request);
    }

    /** The issuer of SVIDs with {@code ttl} from the current intermediate, once the agent holds one. */
    public synchronized Optional<SvidIssuer> issuer(Duration ttl) {
        if (currentChain == null) {
            return Optional.empty();
        }
        return Optional.of(new SvidIssuer(trustDomain, currentKey.getPrivate(), currentChain, ttl));
    }

    /** The intermediate SVIDs are issued from now, and the root it chains to; empty while the agent holds none. */
    public synchronized Optional<CurrentIntermediate> current() {
        return currentChain == null ? Optional.empty()
                : Optional.of(new CurrentIntermediate(currentChain.get(0), currentRootSha256));
    }

    /** Until when the current intermediate is valid; empty while the agent holds none. */
    public synchronized Optional<Instant> notAfter() {
        return currentChain == null ? Optional.empty() : Optional.of(currentChain.get(0).getNotAfter().toInstant());
    }

    /** When the agent asks for the next intermediate: at two thirds of the current one's life. */
    private Instant renewAt() {
        X509Certificate intermediate = currentChain.get(0);
        Instant notBefore = intermediate.getNotBefore().toInstant();
        Duration life = Duration.between(notBefore, intermediate.getNotAfter().toInstant());
        return notBefore.plus(life.multipliedBy(2).dividedBy(3));
    }

    private IntermediateRequest firstRequest(Instant now) {
        CertificateRequest csr = csr(currentKey);
        byte[] proofBytes = IntermediateRequestProof.proofBytes(tenant, cluster, now.getEpochSecond(), csr.der());
        return base(csr, now).setCredentialProof(ByteString.copyFrom(credential.orElseThrow().prove(proofBytes))).build();
    }

    private IntermediateRequest renewalRequest(Instant now) {
        CertificateRequest csr = csr(nextKey);
        byte[] proofBytes = IntermediateRequestProof.proofBytes(tenant, cluster, now.getEpochSecond(), csr.der());
        return base(csr, now).setRenewalProof(IntermediateRequestProof.renewalProof(currentKey, proofBytes)).build();
    }

    private static IntermediateRequest.Builder base(CertificateRequest csr, Instant now) {
        return IntermediateRequest.newBuilder()
                .setCsrDer(ByteString.copyFrom(csr.der()))
                .setRequestedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()));
    }

    private CertificateRequest csr(KeyPair keys) {
        return CertificateRequest.create(keys, "fedmesh intermediate " + cluster + " " + trustDomain.name(),
                List.of(trustDomain.id().toUri()), true);
    }

    /** The chain the config carries for {@code keys}, if any, when its certificate is really for that key. */
    private Optional<List<X509Certificate>> chainFor(DesiredConfig config, KeyPair keys) {
        byte[] sha256 = IntermediateRequestProof.publicKeySha256(keys);
        for (ClusterIntermediate intermediate : config.getIntermediatesList()) {
            if (!Arrays.equals(intermediate.getPublicKeySha256().toByteArray(), sha256)) {
                continue;
            }
            List<X509Certificate> chain = Pem.certificates(intermediate.getChainPem());
            if (chain.isEmpty() || !Arrays.equals(chain.get(0).getPublicKey().getEncoded(), keys.getPublic().getEncoded())) {
                LOG.warn("tenant={} cluster={} revision {}: the intermediate listed for key sha256 {} is not a"
                        + " certificate of that key; ignored", tenant, cluster, config.getRevision(), hex(keys));
                return Optional.empty();
            }
            return Optional.of(chain);
        }
        return Optional.empty();
    }

    /**
     * An intermediate the agent holds: its certificate, and the hex SHA-256 of the root of the
     * applied bundle it chains to (empty when none of them verifies it).
     */
    public record CurrentIntermediate(X509Certificate certificate, String rootSha256) {
    }

    private static String hex(KeyPair keys) {
        return HexFormat.of().formatHex(IntermediateRequestProof.publicKeySha256(keys));
    }
}
