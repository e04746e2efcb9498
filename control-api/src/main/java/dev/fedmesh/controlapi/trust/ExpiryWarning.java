package dev.fedmesh.controlapi.trust;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.convert.ConversionService;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * How long before its expiry a cluster's intermediate is flagged ({@code fedmesh.api.trust.expiry-warning}),
 * checked when the service starts so that a mistyped value stops it rather than silently flagging nothing.
 */
@Context
public final class ExpiryWarning {
    static final String PROPERTY = "fedmesh.api.trust.expiry-warning";
    private final Duration window;

    ExpiryWarning(@Value("${" + PROPERTY + ":7d}") String setting, ConversionService conversions) {
        Optional<Duration> parsed;
        try {
            parsed = conversions.convert(setting.trim(), Duration.class);
        } catch (RuntimeException e) {
            parsed = Optional.empty();
        }
        if (parsed.isEmpty() || parsed.get().isNegative()) {
            throw new ConfigurationException(PROPERTY + " is '" + setting + "', which is not a duration of zero or more:"
                    + " write it as 7d, 36h, 90m or PT36H (FEDMESH_API_TRUST_EXPIRY_WARNING in the environment)");
        }
        this.window = parsed.get();
    }

    /** The window itself. */
    public Duration window() {
        return window;
    }

    /** Whether {@code cluster} is flagged expiring: its newest intermediate is within the window or past. */
    public boolean flags(TenantTrust.ClusterTrust cluster, OffsetDateTime now) {
        return cluster.newest().map(newest -> flags(newest.notAfter(), now)).orElse(false);
    }

    /** Whether something expiring at {@code notAfter} is within the window of {@code now}, or already past. */
    public boolean flags(OffsetDateTime notAfter, OffsetDateTime now) {
        return !notAfter.isAfter(now.plus(window));
    }
}
