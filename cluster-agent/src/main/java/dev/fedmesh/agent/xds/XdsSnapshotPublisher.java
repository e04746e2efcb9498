package dev.fedmesh.agent.xds;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.policy.xds.ProxyConfigTranslator;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.policy.xds.XdsResources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the cluster's xDS snapshot in step with the applied desired config and the local
 * inventory: either changing rebuilds the whole snapshot through {@link ProxyConfigTranslator} and
 * replaces it in the cache. Nothing is served before the first config.
 */
public final class XdsSnapshotPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(XdsSnapshotPublisher.class);

    private final SimpleCache<String> cache;
    private final String group;
    private final String tenant;
    private final String cluster;
    private final ProxyConfigTranslator translator = new ProxyConfigTranslator();
    private DesiredConfig config;
    private List<ServiceEndpoint> endpoints = List.of();
    private long generation;
    private String version;

    public XdsSnapshotPublisher(SimpleCache<String> cache, String group, String tenant, String cluster) {
        this.cache = cache;
        this.group = group;
        this.tenant = tenant;
        this.cluster = cluster;
    }

    /** Serves a newly applied desired config with the current local endpoints. */
    public synchronized void configApplied(DesiredConfig applied) {
        this.config = applied;
        XdsResources resources = publish();
        LOG.info("tenant={} cluster={} applied revision {}: serving {} listener(s), {} cluster(s), {} local"
                        + " endpoint(s) to proxies (snapshot {})", tenant, cluster, applied.getRevision(),
                resources.listeners().size(), resources.clusters().size(), endpoints.size(), version);
    }

    /** Serves the current config with the inventory's new endpoints. */
    public synchronized void inventoryChanged(List<ServiceEndpoint> now, long inventoryGeneration) {
        this.endpoints = List.copyOf(now);
        this.generation = inventoryGeneration;
        if (config != null) {
            publish();
            LOG.debug("tenant={} cluster={} local endpoints changed ({} now): snapshot {}",
                    tenant, cluster, endpoints.size(), version);
        }
    }

    /** The version of the snapshot being served, or null before the first config. */
    public synchronized String version() {
        return version;
    }

    private XdsResources publish() {
        XdsResources resources = translator.translate(config, endpoints);
        // Revision and inventory generation say what the snapshot was built from; the content
        // digest keeps a restarted agent from reusing a version a reconnecting proxy already holds
        // for different content.
        version = config.getRevision() + "." + generation + "-" + digest(resources);
        cache.setSnapshot(group, Snapshot.create(resources.clusters(), resources.endpoints(),
                resources.listeners(), resources.routes(), List.of(), version));
        return resources;
    }

    private static String digest(XdsResources resources) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Stream.of(resources.listeners(), resources.routes(), resources.clusters(), resources.endpoints())
                    .flatMap(List::stream)
                    .forEach(resource -> sha.update(deterministicBytes(resource)));
            return HexFormat.of().formatHex(sha.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static byte[] deterministicBytes(Message message) {
        byte[] bytes = new byte[message.getSerializedSize()];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.useDeterministicSerialization();
        try {
            message.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes;
    }
}
