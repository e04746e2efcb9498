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
 * the refusal's code and reason, the trust domain and the key's SHA-256. Refusals of the CSR
 * (from {@link dev.fedmesh.trust.issuance.IntermediateIssuer}) and of the request's proof
 * ({@link ProofRefusal}) are written alike.
 */
public final class AuditLogRefusals implements RefusalAudit {

    static final String RESOURCE_KIND = "Intermediate";

    private final DSLContext dsl;

    public AuditLogRefusals(DSLContext dsl) {
        this.dsl = dsl;
    }

    @Override
    public void refused(IntermediateOwner owner, String publicKeySha256Hex, Refusal refusal) {
        refused(owner, publicKeySha256Hex, refusal.code().name(), refusal.reason());
    }

    /** A refusal of the request's proof: the cluster could not show it speaks for itself. */
    public void refused(IntermediateOwner owner, String publicKeySha256Hex, ProofRefusal refusal) {
        refused(owner, publicKeySha256Hex, refusal.code().name(), refusal.reason());
    }

    private void refused(IntermediateOwner owner, String publicKeySha256Hex, String code, String reason) {
        dsl.insertInto(AUDIT_LOG)
                .set(AUDIT_LOG.TENANT_ID, owner.tenantId())
                .set(AUDIT_LOG.REVISION, DSL.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(owner.tenantId())))
                .set(AUDIT_LOG.ACTOR, "cluster:" + owner.cluster())
                .set(AUDIT_LOG.ACTION, "refuse")
                .set(AUDIT_LOG.RESOURCE_KIND, RESOURCE_KIND)
                .set(AUDIT_LOG.RESOURCE_NAME, owner.cluster())
                .set(AUDIT_LOG.AFTER, DSL.jsonbObject(
                        DSL.key("code").value(code),
                        DSL.key("reason").value(reason),
                        DSL.key("trustDomain").value(owner.trustDomain().name()),
                        DSL.key("publicKeySha256").value(publicKeySha256Hex)))
                .execute();
    }
}
