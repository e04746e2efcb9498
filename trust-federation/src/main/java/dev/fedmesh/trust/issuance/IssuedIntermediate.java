package dev.fedmesh.trust.issuance;

import dev.fedmesh.trust.ca.SignedIntermediate;
import java.util.HexFormat;

/** An intermediate as issued once for one key: who it is for, the key's SHA-256, the chain the CA returned. */
public record IssuedIntermediate(IntermediateOwner owner, byte[] publicKeySha256, SignedIntermediate signed) {

    public IssuedIntermediate {
        publicKeySha256 = publicKeySha256.clone();
    }

    @Override
    public byte[] publicKeySha256() {
        return publicKeySha256.clone();
    }

    public String publicKeySha256Hex() {
        return HexFormat.of().formatHex(publicKeySha256);
    }
}
