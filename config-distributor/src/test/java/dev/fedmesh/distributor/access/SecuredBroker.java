package dev.fedmesh.distributor.access;

import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import org.jooq.DSLContext;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the agent-access tests share: an in-JVM broker that authenticates with SCRAM and authorizes
 * with ACLs, the distributor's super user on it, tenants and clusters committed with a bootstrap
 * credential each (as registering them through the API does), and the Kafka login each cluster's
 * agent derives from its credential.
 */
final class SecuredBroker {
    static final Duration PATIENCE = Duration.ofSeconds(60);
    static final String PREFIX = "fedmesh";
    private static final String SUPER_USER = "fedmesh-distributor";
    private static final String SUPER_PASSWORD = "distributor-secret";
    static final KafkaClientSecurity SUPER =
            KafkaClientSecurity.saslPlaintext(KafkaClientSecurity.Mechanism.SCRAM_SHA_512, SUPER_USER, SUPER_PASSWORD);
    // The current credential of each tenant/cluster this JVM committed.
    private static final Map<String, String> CREDENTIALS = new ConcurrentHashMap<>();

    private SecuredBroker() {
    }

    /** Starts a broker whose super user is {@link #SUPER}. */
    static EmbeddedKafka start() {
        return EmbeddedKafka.startSecured(SUPER_USER, SUPER_PASSWORD);
    }

    /** The current bootstrap credential of {@code tenant}'s {@code cluster}, as committed last. */
    static String credential(String tenant, String cluster) {
        String credential = CREDENTIALS.get(tenant + "/" + cluster);
        if (credential == null) {
            throw new IllegalStateException("no credential was committed for " + tenant + "/" + cluster);
        }
        return credential;
    }

    /** The security the agent of {@code tenant}'s {@code cluster} logs in with, holding its current credential. */
    static KafkaClientSecurity agent(String tenant, String cluster) {
        return agentHolding(tenant, cluster, credential(tenant, cluster));
    }

    /** The security an agent of {@code tenant}'s {@code cluster} holding {@code credential} (maybe an old one) logs in with. */
    static KafkaClientSecurity agentHolding(String tenant, String cluster, String credential) {
        ClusterCredentialKeys keys = ClusterCredentialKeys.ofCredential(credential);
        return SUPER.as(KafkaTopics.agentUsername(PREFIX, tenant, cluster, keys.id()), keys.kafkaPassword(tenant, cluster));
    }

    /** The Kafka user of the agent of {@code tenant}'s {@code cluster} holding its current credential. */
    static String username(String tenant, String cluster) {
        return agent(tenant, cluster).username();
    }

    /** A tenant at revision 2 with {@code clusters}, each with a new credential, queued for publishing when {@code queuePublish}. */
    static UUID commitTenant(DSLContext db, String name, List<String> clusters, boolean queuePublish) {
        UUID tenant = UUID.randomUUID();
        db.transaction(configuration -> {
            DSLContext tx = configuration.dsl();
            tx.insertInto(TENANTS).set(TENANTS.ID, tenant).set(TENANTS.NAME, name).set(TENANTS.REVISION, 2L).execute();
            for (String cluster : clusters) {
                tx.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenant).set(CLUSTERS.NAME, cluster)
                        .set(CLUSTERS.RESOURCE_VERSION, 1L)
                        .set(CLUSTERS.BOOTSTRAP_SECRET_SHA256, ClusterCredentialKeys.sha256Of(newCredential(name, cluster)))
                        .execute();
            }
            if (queuePublish) {
                tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenant).set(OUTBOX.REVISION, 2L).execute();
            }
        });
        return tenant;
    }

    /** Gives {@code cluster} of the tenant a new credential, as re-issuing it through the API does, and queues the tenant. */
    static String reissue(DSLContext db, UUID tenantId, String tenant, String cluster) {
        String credential = newCredential(tenant, cluster);
        db.transaction(configuration -> {
            DSLContext tx = configuration.dsl();
            tx.update(CLUSTERS).set(CLUSTERS.BOOTSTRAP_SECRET_SHA256, ClusterCredentialKeys.sha256Of(credential))
                    .where(CLUSTERS.TENANT_ID.eq(tenantId)).and(CLUSTERS.NAME.eq(cluster)).execute();
            long revision = tx.update(TENANTS).set(TENANTS.REVISION, TENANTS.REVISION.plus(1))
                    .where(TENANTS.ID.eq(tenantId)).returning(TENANTS.REVISION).fetchOne(TENANTS.REVISION);
            tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantId).set(OUTBOX.REVISION, revision).execute();
        });
        return credential;
    }

    /** Waits until no outbox row of {@code tenant} is left unpublished. */
    static void awaitPublished(DSLContext db, UUID tenant) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (db.fetchCount(OUTBOX, OUTBOX.TENANT_ID.eq(tenant).and(OUTBOX.PUBLISHED_AT.isNull())) > 0) {
            assertThat(System.nanoTime()).as("tenant published within " + PATIENCE).isLessThan(deadline);
            pause();
        }
    }

    /** A new credential for {@code tenant}'s {@code cluster}, from now on its current one. */
    static String newCredential(String tenant, String cluster) {
        String credential = "fmb_" + UUID.randomUUID();
        CREDENTIALS.put(tenant + "/" + cluster, credential);
        return credential;
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
