package dev.fedmesh.controlapi.store;

/**
 * The configured per-tenant quotas ({@code fedmesh.api.quotas.*}); a tenant row's
 * {@code max_policies} / {@code max_clusters}, when set, overrides them for that tenant.
 */
public record QuotaLimits(int maxPolicies, int maxClusters) {
    /** The documented defaults, also what applies where no configuration was installed. */
    public static final QuotaLimits DEFAULTS = new QuotaLimits(1000, 100);
}
