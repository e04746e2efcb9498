package dev.fedmesh.agent.identity;

import dev.fedmesh.trust.spiffe.SpiffeId;
import dev.fedmesh.trust.svid.SvidIssuer;
import dev.fedmesh.trust.svid.X509Svid;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One workload's identity as the cluster's agent keeps it: an X.509-SVID for its SPIFFE id from the
 * cluster's intermediate, with a fresh key each time, renewed at half its lifetime, and written with
 * the trust bundle to the workload's certificate files. A new trust bundle (a root rotation step)
 * rewrites all three files with the current SVID.
 */
public final class WorkloadIdentity {

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadIdentity.class);

    private final SpiffeId id;
    private SvidIssuer issuer;
    private final WorkloadCertificateFiles files;
    private List<X509Certificate> trustBundle;
    private X509Svid svid;
    private KeyPair keys;

    public WorkloadIdentity(SpiffeId id, SvidIssuer issuer, WorkloadCertificateFiles files, List<X509Certificate> trustBundle) {
        this.id = Objects.requireNonNull(id, "id");
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.files = Objects.requireNonNull(files, "files");
        this.trustBundle = requireRoots(trustBundle);
    }

    public SpiffeId id() {
        return id;
    }

    public WorkloadCertificateFiles files() {
        return files;
    }

    /** The SVID being served, or null before the first {@link #renewIfDue}. */
    public synchronized X509Svid svid() {
        return svid;
    }

    /** Issues the first SVID, or a new one once {@code now} has reached half the current one's lifetime; true when it did. */
    public synchronized boolean renewIfDue(Instant now) {
        if (svid != null && now.isBefore(svid.renewAt())) {
            return false;
        }
        KeyPair fresh = KeyType.EC_P256.generate();
        X509Svid issued = issuer.issue(id, fresh.getPublic(), now);
        keys = fresh;
        svid = issued;
        write();
        LOG.info("SVID for {} issued, valid until {}, to be renewed at {}; files in {}", id, issued.notAfter(),
                issued.renewAt(), files.directory());
        return true;
    }

    /**
     * Issues the SVIDs from now on from {@code next} (the cluster's new intermediate); the SVID being
     * served stays until its own renewal, valid under the old intermediate until it expires.
     */
    public synchronized void issueFrom(SvidIssuer next) {
        issuer = Objects.requireNonNull(next, "next");
    }

    /** Serves {@code roots} as the trust bundle from now on, rewriting the files when an SVID is there. */
    public synchronized void trustBundleChanged(List<X509Certificate> roots) {
        trustBundle = requireRoots(roots);
        if (svid != null) {
            write();
        }
    }

    private void write() {
        files.write(new WorkloadCertificates(svid.chainPem(), Pem.write(keys.getPrivate()), Pem.write(trustBundle)));
    }

    private static List<X509Certificate> requireRoots(List<X509Certificate> roots) {
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("a workload needs at least one root in its trust bundle to validate peers");
        }
        return List.copyOf(roots);
    }
}
