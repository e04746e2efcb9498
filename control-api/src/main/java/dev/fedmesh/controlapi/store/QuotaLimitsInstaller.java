package dev.fedmesh.controlapi.store;

import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;

/**
 * Hands the configured quotas to {@link QuotaCheck} through the jOOQ configuration, which every
 * transaction derives from; so the check runs inside {@link TenantStore#change} with nothing
 * but the transaction at hand.
 */
@Singleton
final class QuotaLimitsInstaller implements BeanCreatedEventListener<DSLContext> {
    private final QuotaLimits limits;

    QuotaLimitsInstaller(@Value("${fedmesh.api.quotas.max-policies:1000}") int maxPolicies,
                         @Value("${fedmesh.api.quotas.max-clusters:100}") int maxClusters) {
        if (maxPolicies < 0 || maxClusters < 0) {
            throw new ConfigurationException("fedmesh.api.quotas.max-policies and max-clusters must not be negative, not "
                    + maxPolicies + " and " + maxClusters);
        }
        this.limits = new QuotaLimits(maxPolicies, maxClusters);
    }

    @Override
    public DSLContext onCreated(BeanCreatedEvent<DSLContext> event) {
        event.getBean().configuration().data(QuotaLimits.class, limits);
        return event.getBean();
    }
}
