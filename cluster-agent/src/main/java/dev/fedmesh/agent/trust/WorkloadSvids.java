package dev.fedmesh.agent.trust;

import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.agent.identity.WorkloadIdentity;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.trust.spiffe.SpiffeId;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.svid.SvidIssuer;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The SVID files of this cluster's local workloads: one identity per service (and namespace),
 * {@code spiffe://<trust domain>/ns/<namespace>/sa/<service>}, the namespace {@code default} unless
 * the endpoint's label {@value #NAMESPACE_LABEL} names another, written under
 * {@code <directory>/<namespace>/<service>/}.
 */
public final class WorkloadSvids {

    /** The endpoint label naming the namespace of the workload's SPIFFE id. */
    public static final String NAMESPACE_LABEL = "fedmesh.dev/namespace";
    static final String DEFAULT_NAMESPACE = "default";

    private final Path directory;
    private final Map<SpiffeId, WorkloadIdentity> identities = new LinkedHashMap<>();

    public WorkloadSvids(Path directory) {
        this.directory = directory.toAbsolutePath();
    }

    /** The files of {@code service}'s workloads in the default namespace (or the namespace given). */
    public WorkloadCertificateFiles files(String namespace, String service) {
        return new WorkloadCertificateFiles(directory.resolve(namespace).resolve(service));
    }

    /** The SPIFFE id the agent gives {@code endpoint}'s workload. */
    public static SpiffeId idOf(TrustDomain trustDomain, ServiceEndpoint endpoint) {
        return trustDomain.workload(endpoint.labels().getOrDefault(NAMESPACE_LABEL, DEFAULT_NAMESPACE), endpoint.service());
    }

    /**
     * Brings every local workload's files up to date as of {@code now}: a first SVID for a new one,
     * a renewal at half-life, and future SVIDs from {@code issuer} (a switched intermediate); a new
     * trust bundle rewrites every workload's files at once. Returns how many SVIDs it issued.
     */
    public synchronized int refresh(List<ServiceEndpoint> endpoints, SvidIssuer issuer, TrustDomain trustDomain,
                                    List<X509Certificate> roots, boolean rootsChanged, Instant now) {
        Set<SpiffeId> wanted = new LinkedHashSet<>();
        for (ServiceEndpoint endpoint : endpoints) {
            wanted.add(idOf(trustDomain, endpoint));
        }
        identities.keySet().removeIf(id -> !wanted.contains(id));
        int issued = 0;
        for (SpiffeId id : wanted) {
            WorkloadIdentity identity = identities.get(id);
            if (identity == null) {
                identity = new WorkloadIdentity(id, issuer, files(namespaceOf(id), serviceOf(id)), roots);
                identities.put(id, identity);
            } else {
                identity.issueFrom(issuer);
                if (rootsChanged) {
                    identity.trustBundleChanged(roots);
                }
            }
            if (identity.renewIfDue(now)) {
                issued++;
            }
        }
        return issued;
    }

    private static String namespaceOf(SpiffeId id) {
        return id.path().split("/")[2];
    }

    private static String serviceOf(SpiffeId id) {
        return id.path().split("/")[4];
    }
}
