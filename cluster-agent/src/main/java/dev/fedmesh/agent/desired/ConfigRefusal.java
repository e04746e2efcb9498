package dev.fedmesh.agent.desired;

import java.time.Instant;

/**
 * A desired-config record the agent refused, and why: what a status report shows so an operator
 * sees a forged, corrupted or wrongly signed config instead of a cluster that silently stays behind.
 *
 * @param source  where the record was, e.g. {@code fedmesh.acme.desired-0@42}
 * @param offset  its Kafka offset
 * @param keyId   the signing key id the record named; empty when it named none
 * @param detail  the reason in words, for a person
 */
public record ConfigRefusal(
        String tenant,
        String cluster,
        String source,
        long offset,
        String keyId,
        Reason reason,
        String detail,
        Instant refusedAt) {

    /** Why a record was refused. */
    public enum Reason {
        /** The bytes are not a DesiredConfigEnvelope. */
        NOT_AN_ENVELOPE,
        /** The envelope carries no signature or no key id. */
        UNSIGNED,
        /** Signed by a key the agent does not trust (fedmesh.agent.config-verifying-keys). */
        UNKNOWN_KEY,
        /** The signature does not match the config: changed after signing, or forged. */
        BAD_SIGNATURE,
        /** The SHA-256 does not match the config. */
        DIGEST_MISMATCH,
        /** Signed and intact, but not a DesiredConfig this agent can read. */
        UNPARSEABLE_CONFIG
    }
}
