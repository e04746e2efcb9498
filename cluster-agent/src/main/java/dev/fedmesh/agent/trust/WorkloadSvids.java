package dev.fedmesh.agent.trust;

import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.agent.identity.WorkloadCertificates;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.trust.spiffe.SpiffeId;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.svid.SvidIssuer;
import dev.fedmesh.trust.svid.X509Svid;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SVID files of this cluster's local workloads: one identity per service (and namespace),
 * {@code spiffe://<trust domain>/ns/<namespace>/sa/<service>}, the namespace {@code default} unless
 * the endpoint's label {@value #NAMESPACE_LABEL} names another, written under
 * {@code <directory>/<namespace>/<service>/} (certificate chain, a fresh key each time, and the trust
 * bundle, all three replaced at once), and kept in memory as last written.
 */
public final class WorkloadSvids {

    /** The endpoint label naming the namespace of the workload's SPIFFE id. */
    public static final String NAMESPACE_LABEL = "fedmesh.dev/namespace";
    static final String DEFAULT_NAMESPACE = "default";

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadSvids.class);

    private final Path directory;
    private final Map<SpiffeId, Written> written = new LinkedHashMap<>();

    public WorkloadSvids(Path directory) {
        this.directory = directory.toAbsolutePath();
    }

    /** The files of {@code service}'s workloads in the default namespace (or the namespace given). */
    public WorkloadCertificateFiles files(String namespace, String service) {
        return new WorkloadCertificateFiles(directory.resolve(namespace).resolve(service));
    }

    /** The SPIFFE id the agent gives {@code endpoint}'s workload. */
    public static SpiffeId idOf(TrustDomain trustDomain, ServiceEndpoint endpoint) {
        return trustDomain.workload(namespaceOf(endpoint), endpoint.service());
    }

    /** The namespace of {@code endpoint}'s SPIFFE id: its label {@value #NAMESPACE_LABEL}, else {@code default}. */
    public static String namespaceOf(ServiceEndpoint endpoint) {
        return endpoint.labels().getOrDefault(NAMESPACE_LABEL, DEFAULT_NAMESPACE);
    }

    /**
     * Brings every local workload's files up to date as of {@code now}: a first SVID for a new one, a
     * new SVID from {@code issuer} at half-life, and at once when the SVID was issued under another
     * root than {@code issuerRootSha256} (a root rotation); a new trust bundle rewrites every
     * workload's files at once. Returns how many workloads' files it wrote.
     *
     * @param issuerRootSha256 hex SHA-256 of the root {@code issuer}'s intermediate chains to, empty when unknown
     */
    public synchronized int refresh(List<ServiceEndpoint> endpoints, SvidIssuer issuer, String issuerRootSha256,
                                    TrustDomain trustDomain, List<X509Certificate> roots, Instant now) {
        Set<SpiffeId> wanted = new LinkedHashSet<>();
        for (ServiceEndpoint endpoint : endpoints) {
            wanted.add(idOf(trustDomain, endpoint));
        }
        written.keySet().removeIf(id -> !wanted.contains(id));
        List<X509Certificate> bundle = List.copyOf(roots);
        int count = 0;
        for (SpiffeId id : wanted) {
            Written current = written.get(id);
            try {
                if (current == null || !now.isBefore(current.svid().renewAt())
                        || !current.rootSha256().equals(issuerRootSha256)) {
                    write(id, issue(id, issuer, issuerRootSha256, bundle, now, current));
                    count++;
                } else if (!current.bundle().equals(bundle)) {
                    write(id, new Written(current.svid(), current.keys(), bundle, current.rootSha256()));
                    LOG.info("trust bundle of {} rewritten with {} root(s)", id, bundle.size());
                    count++;
                }
            } catch (RuntimeException e) {
                // One workload's files must not hold the others back; its own are tried again at the next check.
                LOG.error("cannot write the SVID files of {} in {}; trying again at the next check", id,
                        files(namespaceOf(id), serviceOf(id)).directory(), e);
            }
        }
        return count;
    }

    /** What {@code service}'s workload files in {@code namespace} hold now; empty before its first SVID. */
    public synchronized Optional<WorkloadIdentityMaterial> material(String namespace, String service) {
        for (Map.Entry<SpiffeId, Written> entry : written.entrySet()) {
            if (namespaceOf(entry.getKey()).equals(namespace) && serviceOf(entry.getKey()).equals(service)) {
                Written current = entry.getValue();
                return Optional.of(new WorkloadIdentityMaterial(current.svid().chainPem(),
                        Pem.write(current.keys().getPrivate()), Pem.write(current.bundle()), current.svid().notAfter()));
            }
        }
        return Optional.empty();
    }

    /** True when every one of {@code endpoints}' workloads has an SVID, issued by {@code intermediate}. */
    public synchronized boolean allIssuedBy(List<ServiceEndpoint> endpoints, TrustDomain trustDomain,
                                            X509Certificate intermediate) {
        for (ServiceEndpoint endpoint : endpoints) {
            Written current = written.get(idOf(trustDomain, endpoint));
            if (current == null || !current.svid().intermediates().get(0).equals(intermediate)) {
                return false;
            }
        }
        return true;
    }

    private static Written issue(SpiffeId id, SvidIssuer issuer, String rootSha256, List<X509Certificate> bundle,
                                 Instant now, Written previous) {
        KeyPair keys = KeyType.EC_P256.generate();
        X509Svid svid = issuer.issue(id, keys.getPublic(), now);
        String why = previous == null ? "first SVID"
                : previous.rootSha256().equals(rootSha256) ? "renewal" : "under root " + rootSha256;
        LOG.info("SVID for {} issued ({}), valid until {}, to be renewed at {}", id, why, svid.notAfter(), svid.renewAt());
        return new Written(svid, keys, bundle, rootSha256);
    }

    private void write(SpiffeId id, Written next) {
        files(namespaceOf(id), serviceOf(id)).write(new WorkloadCertificates(next.svid().chainPem(),
                Pem.write(next.keys().getPrivate()), Pem.write(next.bundle())));
        written.put(id, next);
    }

    private static String namespaceOf(SpiffeId id) {
        return id.path().split("/")[2];
    }

    private static String serviceOf(SpiffeId id) {
        return id.path().split("/")[4];
    }

    /** An SVID as last written to a workload's files: its key, the bundle beside it, the root its intermediate chains to. */
    private record Written(X509Svid svid, KeyPair keys, List<X509Certificate> bundle, String rootSha256) {
    }
}
