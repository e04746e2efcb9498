package dev.fedmesh.trust.issuance;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Issued intermediates of one process only: for tests and a control plane that runs alone without a database. */
public final class InMemoryIssuedIntermediates implements IssuedIntermediates {

    private final Map<ByteBuffer, IssuedIntermediate> byKey = new HashMap<>();

    @Override
    public synchronized IssuedIntermediate issueOnce(IntermediateOwner owner, byte[] publicKeySha256,
            Supplier<IssuedIntermediate> issue) {
        ByteBuffer key = ByteBuffer.wrap(publicKeySha256.clone());
        IssuedIntermediate existing = byKey.get(key);
        if (existing != null) {
            return existing;
        }
        IssuedIntermediate issued = issue.get();
        byKey.put(key, issued);
        return issued;
    }
}
