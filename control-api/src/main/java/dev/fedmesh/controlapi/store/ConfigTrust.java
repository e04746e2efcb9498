package dev.fedmesh.controlapi.store;

import com.google.protobuf.ByteString;
import dev.fedmesh.policy.compiler.IntermediateOfCluster;
import dev.fedmesh.policy.compiler.TenantTrust;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.util.List;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;
import static dev.fedmesh.db.jooq.Tables.TRUST_ROOTS;

/**
 * The trust a tenant's configs carry, as the distributor last recorded it: the roots of its bundle
 * and its clusters' unexpired intermediates. Read so that what control-api compiles weighs what
 * the distributor will send; roots not recorded yet (before a tenant's first publish) are not in it.
 */
final class ConfigTrust {
    private static final String BEGIN_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

    private ConfigTrust() {
    }

    /** The tenant's bundle: its trust domain, its unretired roots, and whether one of them signs. */
    static TenantTrust trust(DSLContext tx, Tenant tenant) {
        var roots = tx.select(TRUST_ROOTS.PEM, TRUST_ROOTS.SIGNING_SINCE).from(TRUST_ROOTS)
                .where(TRUST_ROOTS.TRUST_DOMAIN.eq(tenant.trustDomain()))
                .and(TRUST_ROOTS.RETIRED_AT.isNull())
                .orderBy(TRUST_ROOTS.FIRST_SEEN, TRUST_ROOTS.SHA256)
                .fetch();
        // Only the signing root's size matters here: 32 bytes whenever the bundle has a root.
        ByteString signing = roots.isEmpty() ? ByteString.EMPTY : ByteString.copyFrom(new byte[32]);
        return new TenantTrust(tenant.trustDomain(), roots.map(root -> root.value1()), signing);
    }

    /** The tenant's intermediates that have not expired by the database's clock, each chain without its root. */
    static List<IntermediateOfCluster> intermediates(DSLContext tx, UUID tenantId) {
        return tx.select(INTERMEDIATES.CLUSTER, INTERMEDIATES.PUBLIC_KEY_SHA256, INTERMEDIATES.CHAIN_PEM,
                        INTERMEDIATES.ROOT_SHA256, INTERMEDIATES.NOT_AFTER)
                .from(INTERMEDIATES)
                .where(INTERMEDIATES.TENANT_ID.eq(tenantId))
                .and(INTERMEDIATES.NOT_AFTER.gt(DSL.currentOffsetDateTime()))
                .fetch(row -> new IntermediateOfCluster(row.value1(), ByteString.copyFrom(row.value2()),
                        withoutRoot(row.value3(), row.value4() != null), row.value5().toInstant()));
    }

    /** The chain as a config carries it: without the root that ends it, which agents get from the bundle. */
    static String withoutRoot(String chainPem, boolean endsWithRoot) {
        int last = chainPem.lastIndexOf(BEGIN_CERTIFICATE);
        return endsWithRoot && last > 0 ? chainPem.substring(0, last) : chainPem;
    }
}
