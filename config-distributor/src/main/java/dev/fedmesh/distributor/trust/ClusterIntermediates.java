package dev.fedmesh.distributor.trust;

import com.google.protobuf.ByteString;
import dev.fedmesh.db.jooq.tables.records.IntermediatesRecord;
import dev.fedmesh.policy.compiler.IntermediateOfCluster;
import dev.fedmesh.trust.x509.Pem;
import dev.fedmesh.trust.x509.RootCertificate;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;

/** Reads the unexpired intermediates issued to a tenant's clusters, as their desired configs carry them. */
public final class ClusterIntermediates {

    private ClusterIntermediates() {
    }

    /** Every intermediate of the tenant that has not expired by the database's clock, its chain without the root. */
    public static List<IntermediateOfCluster> unexpired(DSLContext tx, UUID tenantId) {
        return tx.selectFrom(INTERMEDIATES)
                .where(INTERMEDIATES.TENANT_ID.eq(tenantId))
                .and(INTERMEDIATES.NOT_AFTER.gt(DSL.currentOffsetDateTime()))
                .fetch(ClusterIntermediates::toIntermediate);
    }

    private static IntermediateOfCluster toIntermediate(IntermediatesRecord row) {
        return new IntermediateOfCluster(row.getCluster(), ByteString.copyFrom(row.getPublicKeySha256()),
                withoutRoot(row.getChainPem()), row.getNotAfter().toInstant());
    }

    /** The chain as a CA returned it, less any self-signed certificate: agents get the root from the trust bundle. */
    static String withoutRoot(String chainPem) {
        List<X509Certificate> chain = Pem.certificates(chainPem).stream()
                .filter(certificate -> !RootCertificate.isRoot(certificate))
                .toList();
        return Pem.write(chain);
    }
}
