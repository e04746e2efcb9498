package dev.fedmesh.agent.desired;

import dev.fedmesh.api.v1.DesiredConfig;
import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's forward-only gate for desired configs: a config is applied only when it is for this
 * tenant and cluster and its revision is higher than the applied one; each applied config is
 * kept as last-known-good.
 */
public final class DesiredConfigApplier {

    private static final Logger LOG = LoggerFactory.getLogger(DesiredConfigApplier.class);

    private final String tenant;
    private final String cluster;
    private final LastKnownGood lastKnownGood;
    private final Consumer<DesiredConfig> apply;
    // Read without the lock: a config is served once applied, while it is still being written to disk.
    private volatile long appliedRevision = -1;

    public DesiredConfigApplier(String tenant, String cluster, LastKnownGood lastKnownGood,
                                Consumer<DesiredConfig> apply) {
        this.tenant = tenant;
        this.cluster = cluster;
        this.lastKnownGood = lastKnownGood;
        this.apply = apply;
    }

    /** Applies the last-known-good config from disk, if there is one; returns whether it did. */
    public synchronized boolean restoreLastKnownGood() {
        return lastKnownGood.load()
                .filter(config -> isForThisCluster(config, "last-known-good file " + lastKnownGood.file()))
                .map(config -> {
                    apply.accept(config);
                    appliedRevision = config.getRevision();
                    LOG.info("tenant={} cluster={} serving last-known-good revision {} from {} until Kafka delivers"
                            + " a newer one", tenant, cluster, config.getRevision(), lastKnownGood.file());
                    return true;
                })
                .orElse(false);
    }

    /**
     * Applies the config if it is newer than the applied one; returns whether it did. {@code source}
     * says where it came from, for the log.
     */
    public synchronized boolean offer(DesiredConfig config, String source) {
        if (!isForThisCluster(config, source)) {
            return false;
        }
        if (config.getRevision() <= appliedRevision) {
            LOG.debug("tenant={} cluster={} ignoring revision {} from {}: revision {} is already applied",
                    tenant, cluster, config.getRevision(), source, appliedRevision);
            return false;
        }
        apply.accept(config);
        appliedRevision = config.getRevision();
        try {
            lastKnownGood.save(config);
        } catch (IOException e) {
            LOG.error("tenant={} cluster={} revision {} is applied but could not be saved as last-known-good to {}"
                            + " ({}); a restart would serve an older config until Kafka answers: check the"
                            + " state directory's space and permissions",
                    tenant, cluster, config.getRevision(), lastKnownGood.file(), e.toString());
        }
        return true;
    }

    /** The revision being served, or -1 before any config was applied. */
    public long appliedRevision() {
        return appliedRevision;
    }

    private boolean isForThisCluster(DesiredConfig config, String source) {
        if (config.getTenant().equals(tenant) && config.getCluster().equals(cluster)) {
            return true;
        }
        LOG.warn("tenant={} cluster={} ignoring revision {} from {}: it is addressed to tenant={} cluster={}",
                tenant, cluster, config.getRevision(), source, config.getTenant(), config.getCluster());
        return false;
    }
}
