package dev.fedmesh.controlapi.store;


import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.db.TenantNameLock;
import dev.fedmesh.db.Transactions;
import dev.fedmesh.db.jooq.tables.records.TenantsRecord;
import dev.fedmesh.policy.compiler.ConfigDiff;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.compiler.TenantState;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;

import dev.fedmesh.policy.document.Violation;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.UUID;
import java.util.function.Function;

import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/** Tenants, and the one way to change what a tenant owns: {@link #change}. */
@Singleton
public final class TenantStore {
    private final DSLContext dsl;
    private final ConfigSizeLimit sizeLimit;

    public TenantStore(DSLContext dsl, @Value("${" + ConfigSizeLimit.PROPERTY + ":"
            + ConfigSizeLimit.DEFAULT_MAX_RECORD_BYTES + "}") int maxConfigRecordBytes) {
        this.dsl = dsl;
        try {
            this.sizeLimit = new ConfigSizeLimit(maxConfigRecordBytes);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(e.getMessage());
        }
    }

    /** A tenant with the default trust domain, {@code <name>.fedmesh.local}. */
    public Tenant create(String name) {
        return create(name, null);
    }

    /**
     * A new tenant in {@code trustDomain}, or, when it is null, in the default {@code <name>.fedmesh.local}
     * (set by the database, migration V6). The database checks the trust domain's form and that no
     * other tenant has it.
     */
    public Tenant create(String name, String trustDomain) {
        try {
            return Transactions.result(dsl, configuration -> {
                DSLContext tx = configuration.dsl();
                // Not while a distributor deletes the Kafka topics an earlier tenant of this name left.
                TenantNameLock.acquire(tx, name);
                var insert = tx.insertInto(TENANTS)
                        .set(TENANTS.ID, UUID.randomUUID())
                        .set(TENANTS.NAME, name);
                if (trustDomain != null) {
                    insert = insert.set(TENANTS.TRUST_DOMAIN, trustDomain);
                }
                return toTenant(insert.returning().fetchSingle());
            });
        } catch (IntegrityConstraintViolationException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("tenants_trust_domain_format")) {
                throw ApiException.invalid(List.of(new Violation("trustDomain", "'" + trustDomain + "' is not a trust"
                        + " domain: use lower-case letters, digits, '.', '-' and '_', at most 255 characters, no scheme,"
                        + " port or path (e.g. acme.fedmesh.dev)")));
            }
            if (message.contains("tenants_trust_domain_unique")) {
                throw ApiException.conflict("trust_domain_taken", "Trust domain '"
                        + (trustDomain == null ? name + ".fedmesh.local" : trustDomain)
                        + "' belongs to another tenant: every tenant has its own; choose another trustDomain");
            }
            throw ApiException.conflict("already_exists", "Tenant '" + name + "' already exists");
        }
    }

    /**
     * Deletes the tenant and everything it owns in one transaction: clusters, services, policies,
     * tokens (refused from this moment), status, intermediates, audit log and outbox. Its trust
     * domain's roots leave every bundle (migration V12), so a tenant created later in it gets a new
     * root; its revision is remembered for a tenant created later under its name (V10). Its Kafka
     * topics and its agents' Kafka access are removed by the distributors' sweep.
     */
    public Tenant delete(String name) {
        return Transactions.result(dsl, configuration -> {
            DSLContext tx = configuration.dsl();
            TenantNameLock.acquire(tx, name);
            Tenant tenant = lock(tx, name);
            tx.deleteFrom(TENANTS).where(TENANTS.ID.eq(tenant.id())).execute();
            return tenant;
        });
    }

    public Optional<Tenant> find(String name) {
        return dsl.selectFrom(TENANTS).where(TENANTS.NAME.eq(name)).fetchOptional().map(TenantStore::toTenant);
    }

    /** The tenant, or a 404 answer. */
    public Tenant require(String name) {
        return find(name).orElseThrow(() -> ApiException.notFound("Tenant '" + name + "'"));
    }

    /**
     * Runs {@code work} in one transaction that locks the tenant, gives the change the next
     * revision, and queues an outbox row; if {@code work} returns without writing (an unchanged
     * apply), it returns {@link Unchanged} and nothing is bumped or queued. A change that would
     * make a cluster's desired config larger than Kafka carries ({@link ConfigSizeLimit}) is
     * refused with 413 {@code config_too_large}, and nothing is written.
     */
    public <T> T change(String tenantName, String actor, Function<TenantChange, T> work) {
        return Transactions.result(dsl, configuration -> {
            DSLContext tx = configuration.dsl();
            Tenant tenant = lock(tx, tenantName);
            long revision = tenant.revision() + 1;
            try {
                // In a savepoint: a change found too large is undone to measure the configs as they were.
                return tx.transactionResult(attempt -> apply(attempt.dsl(), tenant, revision, actor, work, null));
            } catch (ConfigsTooLarge tooLarge) {
                // Compiled at the new revision too, so that the sizes differ by what the write changes alone.
                SortedMap<String, Integer> before = ConfigSizeLimit.measure(compile(tx, tenant, revision));
                sizeLimit.refuseIfGrown(tenant.name(), tooLarge.over, before);
                // It leaves no config larger than it was: made again, knowing that.
                return apply(tx, tenant, revision, actor, work, before);
            }
        });
    }

    /**
     * Does {@code work} and, unless it changed nothing, checks quotas and config sizes and bumps the
     * revision; throws {@link ConfigsTooLarge} when a config is over the limit and {@code before}
     * (the sizes before the change) is not known, else refuses those that grew.
     */
    private <T> T apply(DSLContext tx, Tenant tenant, long revision, String actor, Function<TenantChange, T> work,
                        SortedMap<String, Integer> before) {
        T result = work.apply(new TenantChange(tx, tenant, revision, actor));
        if (result instanceof Unchanged) {
            return result;
        }
        QuotaCheck.enforce(tx, tenant.id(), revision);
        SortedMap<String, Integer> over = sizeLimit.over(ConfigSizeLimit.measure(compile(tx, tenant, revision)));
        if (!over.isEmpty()) {
            if (before == null) {
                throw new ConfigsTooLarge(over);
            }
            sizeLimit.refuseIfGrown(tenant.name(), over, before);
        }
        tx.update(TENANTS)
                .set(TENANTS.REVISION, revision)
                .set(TENANTS.UPDATED_AT, OffsetDateTime.now())
                .where(TENANTS.ID.eq(tenant.id()))
                .execute();
        tx.insertInto(OUTBOX)
                .set(OUTBOX.TENANT_ID, tenant.id())
                .set(OUTBOX.REVISION, revision)
                .execute();
        return result;
    }

    /** Carries the clusters over the size limit out of the savepoint a change ran in. */
    private static final class ConfigsTooLarge extends RuntimeException {
        private final transient SortedMap<String, Integer> over;

        ConfigsTooLarge(SortedMap<String, Integer> over) {
            super(null, null, false, false);
            this.over = over;
        }
    }

    /**
     * Runs {@code work} exactly as {@link #change} would, then rolls everything back: the answer
     * to a dry run, with what each cluster's compiled config would change; a change {@link #change}
     * would refuse is refused the same way.
     */
    public <T> Preview<T> preview(String tenantName, String actor, Function<TenantChange, T> work) {
        try {
            Transactions.result(dsl, configuration -> {
                DSLContext tx = configuration.dsl();
                Tenant tenant = lock(tx, tenantName);
                long revision = tenant.revision() + 1;
                // Compiled at the new revision too (the diff ignores it), so that the sizes differ by what
                // the write changes alone.
                SortedMap<String, DesiredConfig> before = compile(tx, tenant, revision);
                T result = work.apply(new TenantChange(tx, tenant, revision, actor));
                SortedMap<String, DesiredConfig> after = compile(tx, tenant, revision);
                if (!(result instanceof Unchanged)) {
                    QuotaCheck.enforce(tx, tenant.id(), revision);
                    sizeLimit.refuseIfGrown(tenant.name(), sizeLimit.over(ConfigSizeLimit.measure(after)),
                            ConfigSizeLimit.measure(before));
                }
                throw new PreviewRollback(new Preview<>(result, tenant.revision(),
                        result instanceof Unchanged ? tenant.revision() : revision, ConfigDiff.between(before, after)));
            });
        } catch (PreviewRollback rollback) {
            @SuppressWarnings("unchecked")
            Preview<T> preview = (Preview<T>) rollback.preview;
            return preview;
        }
        throw new IllegalStateException("a preview always rolls back");
    }

    /** What a write would do: its result, the revision it would create, and each cluster's change. */
    public record Preview<T>(T result, long currentRevision, long wouldBeRevision, ConfigDiff clusters) {
    }

    /** Carries a preview out of the transaction it rolls back. */
    private static final class PreviewRollback extends RuntimeException {
        private final transient Preview<?> preview;

        PreviewRollback(Preview<?> preview) {
            super(null, null, false, false);
            this.preview = preview;
        }
    }

    private static Tenant lock(DSLContext tx, String tenantName) {
        return toTenant(tx.selectFrom(TENANTS)
                .where(TENANTS.NAME.eq(tenantName))
                .forUpdate()
                .fetchOptional()
                .orElseThrow(() -> ApiException.notFound("Tenant '" + tenantName + "'")));
    }

    /** Each cluster's desired config at {@code revision} as {@code tx} sees the tenant, with its trust as last recorded. */
    private static SortedMap<String, DesiredConfig> compile(DSLContext tx, Tenant tenant, long revision) {
        return DesiredConfigCompiler.compile(new TenantState(tenant.name(), revision, ClusterStore.all(tx, tenant.id()),
                ServiceStore.names(tx, tenant.id()), PolicyStore.all(tx, tenant.id()), ConfigTrust.trust(tx, tenant),
                ConfigTrust.intermediates(tx, tenant.id())));
    }

    /** Marks a change that turned out to change nothing. */
    public interface Unchanged {
    }

    static Tenant toTenant(TenantsRecord row) {
        return new Tenant(row.getId(), row.getName(), row.getTrustDomain(), row.getRevision(), row.getCreatedAt(),
                row.getUpdatedAt());
    }
}
