package dev.fedmesh.trust.issuance;

import java.util.function.Supplier;

/**
 * Where issued intermediates are kept, by the SHA-256 of their public key: the one place that makes
 * issuing idempotent across restarts and across control-plane instances.
 */
public interface IssuedIntermediates {

    /**
     * The intermediate already issued for this key, whoever asked for it; or, when there is none,
     * the result of {@code issue}, run at most once for the key across every instance sharing the
     * store (a concurrent caller waits and gets the same certificate). Nothing is stored when
     * {@code issue} throws.
     */
    IssuedIntermediate issueOnce(IntermediateOwner owner, byte[] publicKeySha256, Supplier<IssuedIntermediate> issue);
}
