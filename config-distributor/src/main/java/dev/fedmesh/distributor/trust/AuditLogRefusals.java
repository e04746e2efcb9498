package dev.fedmesh.distributor.trust;

import dev.fedmesh.trust.issuance.IntermediateOwner;
import dev.fedmesh.trust.issuance.Refusal;
import dev.fedmesh.trust.issuance.RefusalAudit;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * Refused intermediate requests in the tenant's audit log, beside its API writes: action
 * {@code refuse}, kind {@code Intermediate}, the cluster as actor and name, and in {@code after}
 * the refusal's code and reason, the trust domain and the key's SHA-256.
 */
public final class AuditLogRefusals implements RefusalAudit {

    static final String RESOURCE_KIND = "Intermediate";

    private final DSLContext dsl;

    public AuditLogRefusals(DSLContext dsl) {
        this.dsl = dsl;
    }

    @Override
    public void refused(IntermediateOwner owner, String publicKeySha256Hex, Refusal refusal) {
        dsl.insertInto(AUDIT_LOG)
                .set(AUDIT_LOG.TENANT_ID, owner.tenantId())
                .set(AUDIT_LOG.REVISION, DSL.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(owner.tenantId())))
                .set(AUDIT_LOG.ACTOR, "cluster:" + owner.cluster())
                .set(AUDIT_LOG.ACTION, "refuse")
                .set(AUDIT_LOG.RESOURCE_KIND, RESOURCE_KIND)
                .set(AUDIT_LOG.RESOURCE_NAME, owner.cluster())
                .set(AUDIT_LOG.AFTER, DSL.jsonbObject(
                        DSL.key("code").value(refusal.code().name()),
                        DSL.key("reason").value(refusal.reason()),
                        DSL.key("trustDomain").value(owner.trustDomain().name()),
                        DSL.key("publicKeySha256").value(publicKeySha256Hex)))
                .execute();
    }
}
