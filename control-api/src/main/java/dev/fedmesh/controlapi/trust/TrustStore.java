package dev.fedmesh.controlapi.trust;

import dev.fedmesh.controlapi.store.Tenant;
import jakarta.inject.Singleton;
import dev.fedmesh.db.jooq.tables.records.TrustRootsRecord;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record5;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.CLUSTER_STATUS;
import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static dev.fedmesh.db.jooq.Tables.TRUST_ROOTS;

/**
 * Reads the expiry of tenants' roots and clusters' intermediates from what the distributor records
 * ({@code trust_roots}, {@code intermediates}); control-api never asks the CA or the agents.
 */
@Singleton
public final class TrustStore {
    private final DSLContext dsl;

    public TrustStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** One tenant's roots and its registered clusters' current intermediates, clusters by name. */
    public TenantTrust read(Tenant tenant) {
        OffsetDateTime now = dsl.select(DSL.currentOffsetDateTime()).fetchSingle().value1();
        List<TrustRootsRecord> rows = dsl.selectFrom(TRUST_ROOTS)
                .where(TRUST_ROOTS.TRUST_DOMAIN.eq(tenant.trustDomain()))
                .orderBy(TRUST_ROOTS.NOT_AFTER, TRUST_ROOTS.SHA256)
                .fetch();
        byte[] signing = rows.stream()
                .filter(row -> row.getRetiredAt() == null && row.getSigningSince() != null)
                .max(Comparator.comparing(TrustRootsRecord::getSigningSince))
                .map(TrustRootsRecord::getSha256)
                .orElse(null);
        List<TenantTrust.Root> roots = rows.stream()
                .map(row -> new TenantTrust.Root(row.getSha256(), row.getNotBefore(), row.getNotAfter(), row.getFirstSeen(),
                        row.getSigningSince(), row.getRetiredAt(), row.getRetiredAt() != null ? TenantTrust.Root.State.RETIRED
                        : Arrays.equals(row.getSha256(), signing) ? TenantTrust.Root.State.SIGNING : TenantTrust.Root.State.BUNDLE))
                .toList();
        Map<String, List<TenantTrust.Intermediate>> issued = new LinkedHashMap<>();
        Map<String, TenantTrust.Reported> reported = new LinkedHashMap<>();
        dsl.select(CLUSTERS.NAME, INTERMEDIATES.PUBLIC_KEY_SHA256, INTERMEDIATES.NOT_AFTER, INTERMEDIATES.ISSUED_AT,
                        INTERMEDIATES.ROOT_SHA256, CLUSTER_STATUS.INTERMEDIATE_NOT_AFTER, CLUSTER_STATUS.SVID_ROOT_SHA256)
                .from(CLUSTERS)
                .leftJoin(INTERMEDIATES).on(INTERMEDIATES.TENANT_ID.eq(CLUSTERS.TENANT_ID)
                        .and(INTERMEDIATES.CLUSTER.eq(CLUSTERS.NAME)))
                .leftJoin(CLUSTER_STATUS).on(CLUSTER_STATUS.TENANT_ID.eq(CLUSTERS.TENANT_ID)
                        .and(CLUSTER_STATUS.CLUSTER.eq(CLUSTERS.NAME)))
                .where(CLUSTERS.TENANT_ID.eq(tenant.id()))
                .orderBy(CLUSTERS.NAME, INTERMEDIATES.NOT_AFTER)
                .forEach(row -> {
                    List<TenantTrust.Intermediate> ofCluster = issued.computeIfAbsent(row.value1(), name -> new ArrayList<>());
                    reported.putIfAbsent(row.value1(), new TenantTrust.Reported(row.value6(), row.value7()));
                    if (row.value2() != null) {
                        ofCluster.add(new TenantTrust.Intermediate(row.value2(), row.value3(), row.value4(), row.value5()));
                    }
                });
        List<TenantTrust.ClusterTrust> clusters = issued.entrySet().stream()
                .map(cluster -> new TenantTrust.ClusterTrust(cluster.getKey(), current(cluster.getValue(), now),
                        reported.get(cluster.getKey())))
                .toList();
        return new TenantTrust(tenant.name(), tenant.trustDomain(), now, roots, clusters);
    }

    /** Every unexpired intermediate, or the last one when all have expired (still worth showing, flagged). */
    private static List<TenantTrust.Intermediate> current(List<TenantTrust.Intermediate> byExpiry, OffsetDateTime now) {
        List<TenantTrust.Intermediate> unexpired = byExpiry.stream().filter(i -> i.notAfter().isAfter(now)).toList();
        if (!unexpired.isEmpty() || byExpiry.isEmpty()) {
            return unexpired;
        }
        return List.of(byExpiry.get(byExpiry.size() - 1));
    }

    /**
     * Every tenant's expiries in one query, for the metrics: per registered cluster the newest
     * intermediate's not_after (null when it never had one), per root still in the bundle its not_after, and
     * a row with a null cluster for a tenant without clusters.
     */
    public List<Expiry> everyExpiry() {
        Field<String> kind = DSL.field(DSL.name("kind"), String.class);
        Field<OffsetDateTime> now = DSL.currentOffsetDateTime().as("now");
        var intermediates = dsl.select(DSL.inline(Expiry.Kind.INTERMEDIATE.name()).as(kind), TENANTS.NAME,
                        CLUSTERS.NAME.as("subject"), DSL.max(INTERMEDIATES.NOT_AFTER).as("not_after"), now)
                .from(TENANTS)
                .leftJoin(CLUSTERS).on(CLUSTERS.TENANT_ID.eq(TENANTS.ID))
                .leftJoin(INTERMEDIATES).on(INTERMEDIATES.TENANT_ID.eq(CLUSTERS.TENANT_ID)
                        .and(INTERMEDIATES.CLUSTER.eq(CLUSTERS.NAME)))
                .groupBy(TENANTS.NAME, CLUSTERS.NAME);
        var roots = dsl.select(DSL.inline(Expiry.Kind.ROOT.name()).as(kind), TENANTS.NAME,
                        DSL.field("encode({0}, 'hex')", String.class, TRUST_ROOTS.SHA256).as("subject"),
                        TRUST_ROOTS.NOT_AFTER.as("not_after"), now)
                .from(TRUST_ROOTS)
                .join(TENANTS).on(TENANTS.TRUST_DOMAIN.eq(TRUST_ROOTS.TRUST_DOMAIN))
                .where(TRUST_ROOTS.RETIRED_AT.isNull());
        return intermediates.unionAll(roots).fetch(TrustStore::expiry);
    }

    private static Expiry expiry(Record5<String, String, String, OffsetDateTime, OffsetDateTime> row) {
        return new Expiry(Expiry.Kind.valueOf(row.value1()), row.value2(), row.value3(), row.value4(), row.value5());
    }

    /**
     * One row of {@link #everyExpiry()}: a cluster's newest intermediate ({@code subject} the cluster,
     * null for a tenant without clusters) or a root ({@code subject} its SHA-256 in hex).
     */
    public record Expiry(Kind kind, String tenant, String subject, OffsetDateTime notAfter, OffsetDateTime now) {
        /** What expires. */
        public enum Kind { INTERMEDIATE, ROOT }
    }
}
