package dev.fedmesh.agent.trust;

import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.api.v1.ClusterIntermediate;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.policy.xds.WorkloadIdentities;
import dev.fedmesh.trust.spiffe.SpiffeId;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.svid.SvidIssuer;
import dev.fedmesh.trust.svid.X509Svid;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workload identity in one cluster, end to end on the agent's side: asks for the cluster's
 * intermediate through the status reports, and once the desired config carries it, keeps an SVID
 * and the trust bundle (the config's roots) in the files of every local workload, renewed at
 * half-life, rewritten at once when the bundle changes, and issued from the new intermediate once a
 * rotation completes; at once when that intermediate chains to another root (a root rotation).
 * The agent's own SVID ({@link AgentSvid}), for its health checks of STRICT mTLS workloads, is
 * issued and renewed the same way, in memory only.
 */
public final class ClusterTrust implements AutoCloseable {

    /** How often SVIDs and the intermediate are looked at for renewal. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(ClusterTrust.class);

    private final String tenant;
    private final String cluster;
    private final IntermediateRotation rotation;
    private final WorkloadSvids svids;
    private final Supplier<List<ServiceEndpoint>> endpoints;
    private final Duration svidTtl;
    private final Runnable reportChanged;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final List<Runnable> identitiesWritten = new CopyOnWriteArrayList<>();
    private final List<Consumer<AgentSvid>> agentSvidIssued = new CopyOnWriteArrayList<>();
    private AgentSvid agentSvid;
    private X509Svid agentCertificate;
    private String agentRootSha256 = "";
    private TrustDomain trustDomain;
    private List<String> rootsPem = List.of();
    private List<X509Certificate> roots = List.of();
    private Optional<IntermediateRequest> reportedRequest = Optional.empty();
    private Optional<String> reportedSvidRoot = Optional.empty();
    private MeshTrust takenTrust;
    private List<ClusterIntermediate> takenIntermediates = List.of();

    /**
     * @param endpoints the cluster's local workload endpoints, read at each check
     * @param reportChanged called when the status report should go out at once (a new request, a new intermediate)
     */
    public ClusterTrust(String tenant, String cluster, IntermediateRotation rotation, WorkloadSvids svids,
                        Supplier<List<ServiceEndpoint>> endpoints, Duration svidTtl, Runnable reportChanged, Clock clock) {
        this.tenant = Objects.requireNonNull(tenant, "tenant");
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.rotation = Objects.requireNonNull(rotation, "rotation");
        this.svids = Objects.requireNonNull(svids, "svids");
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.svidTtl = Objects.requireNonNull(svidTtl, "svidTtl");
        this.reportChanged = Objects.requireNonNull(reportChanged, "reportChanged");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fedmesh-trust-" + tenant + "-" + cluster);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Checks every {@code interval} from now on. */
    public void start(Duration interval) {
        scheduler.scheduleWithFixedDelay(this::check, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Takes the trust domain, roots and intermediates of a config being applied, and acts on them at
     * once. Most configs change policies only: one whose trust and intermediates equal the last one's
     * is passed over while the agent waits for no intermediate, so a policy change costs no
     * certificate parsing and no extra check. All or nothing: when it throws (a root that does not
     * parse, a key file that cannot be moved), nothing was taken, and the same config can be given
     * again.
     */
    public void configApplied(DesiredConfig config) {
        boolean switched;
        synchronized (this) {
            if (config.getTrust().equals(takenTrust) && config.getIntermediatesList().equals(takenIntermediates)
                    && !rotation.awaitsIntermediate()) {
                return;
            }
            String domain = config.getTrust().getTrustDomain();
            TrustDomain appliedDomain = domain.isEmpty() ? trustDomain : TrustDomain.of(domain);
            List<String> pem = config.getTrust().getRootCertificatesPemList();
            List<X509Certificate> appliedRoots = roots;
            if (!pem.equals(rootsPem)) {
                List<X509Certificate> parsed = new ArrayList<>();
                pem.forEach(text -> parsed.addAll(Pem.certificates(text)));
                appliedRoots = List.copyOf(parsed);
            }
            // The rotation is all or nothing itself, and the only part that writes: nothing here changes before it.
            switched = rotation.configApplied(config);
            takenTrust = config.getTrust();
            takenIntermediates = config.getIntermediatesList();
            trustDomain = appliedDomain;
            rootsPem = List.copyOf(pem);
            roots = appliedRoots;
        }
        if (switched) {
            reportChanged.run();
        }
        scheduler.execute(this::check);
    }

    /** Looks again now, e.g. when a local workload was registered. */
    public void endpointsChanged() {
        scheduler.execute(this::check);
    }

    /** Where the SVID files of {@code service}'s local workloads in {@code namespace} are written. */
    public WorkloadCertificateFiles files(String namespace, String service) {
        return svids.files(namespace, service);
    }

    /**
     * Calls {@code listener} after every check that wrote any local workload's SVID files (a first or
     * renewed SVID, or the same SVID with a new trust bundle), on the thread that wrote them, so a
     * server of the identities (e.g. SDS) can push {@link #material} again.
     */
    public void onIdentitiesWritten(Runnable listener) {
        identitiesWritten.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Calls {@code listener} with the agent's own SVID whenever a check issued a new one or gave it a
     * new trust bundle, on the thread that issued it.
     */
    public void onAgentSvid(Consumer<AgentSvid> listener) {
        agentSvidIssued.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * What the SVID files of {@code service}'s local workloads in {@code namespace} hold now (SVID
     * chain, key, bundle), without reading them; empty before the first SVID was written.
     */
    public Optional<WorkloadIdentityMaterial> material(String namespace, String service) {
        return svids.material(namespace, service);
    }

    /**
     * Hex SHA-256 of the root the current intermediate chains to, once every local workload's SVID
     * was issued from that intermediate (so the control plane may retire any other root); empty
     * while the agent holds no intermediate or a workload still has an SVID from another one.
     */
    public synchronized Optional<String> svidRootSha256() {
        Optional<IntermediateRotation.CurrentIntermediate> current = rotation.current();
        if (current.isEmpty() || current.get().rootSha256().isEmpty() || trustDomain == null
                || !svids.allIssuedBy(endpoints.get(), trustDomain, current.get().certificate())) {
            return Optional.empty();
        }
        return Optional.of(current.get().rootSha256());
    }

    /** The request the status report carries now, if the agent needs an intermediate. */
    public Optional<IntermediateRequest> request() {
        return rotation.request(clock.instant());
    }

    /** Until when the intermediate SVIDs are issued from is valid; empty while the agent holds none. */
    public Optional<Instant> intermediateNotAfter() {
        return rotation.notAfter();
    }

    /** Renews what is due as of now, and sends a report at once when the request or the SVIDs' root changed. */
    private void check() {
        try {
            Instant now = clock.instant();
            Optional<IntermediateRequest> request = rotation.request(now);
            boolean newReport;
            int written = 0;
            AgentSvid agentIssued = null;
            synchronized (this) {
                newReport = !request.equals(reportedRequest);
                reportedRequest = request;
                Optional<SvidIssuer> issuer = rotation.issuer(svidTtl);
                Optional<IntermediateRotation.CurrentIntermediate> current = rotation.current();
                if (issuer.isPresent() && current.isPresent() && trustDomain != null && !roots.isEmpty()) {
                    written = svids.refresh(endpoints.get(), issuer.get(), current.get().rootSha256(), trustDomain,
                            roots, now);
                    agentIssued = refreshAgentSvid(issuer.get(), current.get().rootSha256(), now);
                }
                Optional<String> svidRoot = svidRootSha256();
                newReport |= !svidRoot.equals(reportedSvidRoot);
                reportedSvidRoot = svidRoot;
            }
            if (written > 0) {
                identitiesWritten.forEach(this::tell);
            }
            if (agentIssued != null) {
                AgentSvid issued = agentIssued;
                agentSvidIssued.forEach(listener -> tell(() -> listener.accept(issued)));
            }
            if (newReport) {
                reportChanged.run();
            }
        } catch (RuntimeException e) {
            LOG.error("tenant={} cluster={} could not renew workload identities; trying again at the next check",
                    tenant, cluster, e);
        }
    }

    /**
     * A new agent SVID when the last is at half-life, was issued under another root or does not
     * exist, or the last with the bundle when only that changed; null when nothing changed. A
     * failure to issue leaves the last SVID in use and is tried again at the next check.
     */
    private AgentSvid refreshAgentSvid(SvidIssuer issuer, String rootSha256, Instant now) {
        boolean due = agentCertificate == null || !now.isBefore(agentCertificate.renewAt())
                || !agentRootSha256.equals(rootSha256);
        if (!due && agentSvid.bundle().equals(roots) && agentSvid.trustDomain().equals(trustDomain)) {
            return null;
        }
        if (due) {
            SpiffeId id = SpiffeId.parse(WorkloadIdentities.agentId(trustDomain.name(), cluster));
            KeyPair keys = KeyType.EC_P256.generate();
            X509Svid svid;
            try {
                svid = issuer.issue(id, keys.getPublic(), now);
            } catch (RuntimeException e) {
                LOG.error("tenant={} cluster={} cannot issue the agent's SVID {}; trying again at the next check", tenant,
                        cluster, id, e);
                return null;
            }
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(svid.certificate());
            chain.addAll(svid.intermediates());
            agentCertificate = svid;
            agentRootSha256 = rootSha256;
            agentSvid = new AgentSvid(id, chain, keys.getPrivate(), trustDomain, roots, svid.notAfter());
            LOG.info("tenant={} cluster={} agent SVID {} issued, valid until {}, to be renewed at {}", tenant, cluster,
                    id, svid.notAfter(), svid.renewAt());
        } else {
            agentSvid = new AgentSvid(agentSvid.id(), agentSvid.chain(), agentSvid.key(), trustDomain, roots,
                    agentSvid.notAfter());
        }
        return agentSvid;
    }

    private void tell(Runnable listener) {
        try {
            listener.run();
        } catch (RuntimeException e) {
            LOG.error("tenant={} cluster={} a listener of written workload identities failed; the files are written"
                    + " and the next write tells it again", tenant, cluster, e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
