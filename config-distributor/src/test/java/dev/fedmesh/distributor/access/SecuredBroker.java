package dev.fedmesh.distributor.access;

import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.testing.EmbeddedKafka;
import org.jooq.DSLContext;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the agent-access tests share: an in-JVM broker that authenticates with SCRAM and authorizes
 * with ACLs, the distributor's super user on it, the agents' names and derived passwords, and
 * tenants committed for the distributor to publish.
 */
final class SecuredBroker {
    static final Duration PATIENCE = Duration.ofSeconds(60);
    static final String PREFIX = "fedmesh";
    static final AgentCredentials CREDENTIALS =
            AgentCredentials.fromSecret("test-agent-credential-secret-0123456789abcdef");
    static final AgentPrincipals PRINCIPALS = new AgentPrincipals(PREFIX);
    private static final String SUPER_USER = "fedmesh-distributor";
    private static final String SUPER_PASSWORD = "distributor-secret";
    static final KafkaClientSecurity SUPER =
            KafkaClientSecurity.saslPlaintext(KafkaClientSecurity.Mechanism.SCRAM_SHA_512, SUPER_USER, SUPER_PASSWORD);

    private SecuredBroker() {
    }

    /** Starts a broker whose super user is {@link #SUPER}. */
    static EmbeddedKafka start() {
        return EmbeddedKafka.startSecured(SUPER_USER, SUPER_PASSWORD);
    }

    /** The security an agent of {@code tenant}'s {@code cluster} logs in with. */
    static KafkaClientSecurity agent(String tenant, String cluster) {
        return SUPER.as(PRINCIPALS.username(tenant, cluster), CREDENTIALS.password(tenant, cluster));
    }

    /** A tenant at revision 2 with {@code clusters}, queued for publishing when {@code queuePublish}. */
    static UUID commitTenant(DSLContext db, String name, List<String> clusters, boolean queuePublish) {
        UUID tenant = UUID.randomUUID();
        db.transaction(configuration -> {
            DSLContext tx = configuration.dsl();
            tx.insertInto(TENANTS).set(TENANTS.ID, tenant).set(TENANTS.NAME, name).set(TENANTS.REVISION, 2L).execute();
            for (String cluster : clusters) {
                tx.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenant).set(CLUSTERS.NAME, cluster)
                        .set(CLUSTERS.RESOURCE_VERSION, 1L).execute();
            }
            if (queuePublish) {
                tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenant).set(OUTBOX.REVISION, 2L).execute();
            }
        });
        return tenant;
    }

    /** Waits until no outbox row of {@code tenant} is left unpublished. */
    static void awaitPublished(DSLContext db, UUID tenant) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (db.fetchCount(OUTBOX, OUTBOX.TENANT_ID.eq(tenant).and(OUTBOX.PUBLISHED_AT.isNull())) > 0) {
            assertThat(System.nanoTime()).as("tenant published within " + PATIENCE).isLessThan(deadline);
            pause();
        }
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
