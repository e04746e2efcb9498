package dev.fedmesh.distributor.outbox;

import dev.fedmesh.distributor.access.AgentAccessException;
import dev.fedmesh.distributor.publish.ConfigTooLargeException;
import dev.fedmesh.distributor.publish.PublishFailedException;
import dev.fedmesh.trust.ca.CertificateAuthorityException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * Why one tenant's publish failed, as the tenant's status shows it ({@code code} and a bounded
 * {@code message} without secrets or control characters). PostgreSQL failing is not among them: it
 * is everyone's, and stops the relay's pass instead (see {@link OutboxRelay}).
 */
record PublishFailure(Code code, String message) {
    /** The longest message stored (the column's check allows no more). */
    static final int MAX_MESSAGE_LENGTH = 1000;

    /** What failed, as the database and the API name it. */
    enum Code {
        /** A cluster's config is larger than the largest record the distributor sends, or than its topic takes. */
        CONFIG_TOO_LARGE("config_too_large", true),
        /** The CA could not give the tenant's trust domain its roots. */
        CA_FAILED("ca_failed", true),
        /** The tenant's stored state does not compile into configs. */
        COMPILE_FAILED("compile_failed", true),
        /** Kafka refused or did not answer for this tenant; Kafka's trouble, not the tenant's, so retried soon. */
        KAFKA_FAILED("kafka_failed", false);

        private final String wire;
        private final boolean tenantsOwn;

        Code(String wire, boolean tenantsOwn) {
            this.wire = wire;
            this.tenantsOwn = tenantsOwn;
        }

        /** The code as stored in {@code tenant_publish_failures.error_code} and shown by the API. */
        String wire() {
            return wire;
        }

        /** True when the tenant's own state is at fault, so retrying soon would only fail again. */
        boolean tenantsOwn() {
            return tenantsOwn;
        }
    }

    PublishFailure {
        message = bounded(message);
    }

    /** What a publish that threw {@code failure} (anything but a database error) failed on. */
    static PublishFailure of(RuntimeException failure) {
        if (failure instanceof ConfigTooLargeException) {
            return new PublishFailure(Code.CONFIG_TOO_LARGE, failure.getMessage());
        }
        if (causedBy(failure, RecordTooLargeException.class)) {
            return new PublishFailure(Code.CONFIG_TOO_LARGE, "Kafka refused a config of the tenant as too large ("
                    + failure.getMessage() + "): the desired topic's max.message.bytes is below what the distributor"
                    + " sends; see 'How large a config may be' in docs/operations.md");
        }
        if (causedBy(failure, CertificateAuthorityException.class)) {
            return new PublishFailure(Code.CA_FAILED, "the tenant's CA failed: " + failure.getMessage());
        }
        if (failure instanceof PublishFailedException || failure instanceof AgentAccessException
                || causedBy(failure, KafkaException.class)) {
            return new PublishFailure(Code.KAFKA_FAILED, failure.getMessage());
        }
        return new PublishFailure(Code.COMPILE_FAILED, "the tenant's state could not be compiled into configs: "
                + failure);
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    /** One line of printable text, cut to {@link #MAX_MESSAGE_LENGTH} characters. */
    private static String bounded(String message) {
        String line = String.valueOf(message).replaceAll("\\p{Cntrl}+", " ").strip();
        return line.length() <= MAX_MESSAGE_LENGTH ? line : line.substring(0, MAX_MESSAGE_LENGTH - 1) + "…";
    }
}
