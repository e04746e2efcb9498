package dev.fedmesh.trust.signing;

import java.io.IOException;
import java.security.PrivateKey;
import java.security.PublicKey;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/** Turns the JDK's Ed25519 keys (what files and tools speak) into BouncyCastle's, which sign and verify fast. */
final class Ed25519Keys {

    private Ed25519Keys() {
    }

    static Ed25519PrivateKeyParameters signing(PrivateKey key) {
        AsymmetricKeyParameter decoded = decode(() -> PrivateKeyFactory.createKey(key.getEncoded()));
        if (decoded instanceof Ed25519PrivateKeyParameters ed25519) {
            return ed25519;
        }
        throw new IllegalArgumentException("config signing keys are Ed25519, not " + key.getAlgorithm());
    }

    static Ed25519PublicKeyParameters verifying(PublicKey key) {
        AsymmetricKeyParameter decoded = decode(() -> PublicKeyFactory.createKey(key.getEncoded()));
        if (decoded instanceof Ed25519PublicKeyParameters ed25519) {
            return ed25519;
        }
        throw new IllegalArgumentException("config keys are Ed25519, not " + key.getAlgorithm());
    }

    private interface Decoder {
        AsymmetricKeyParameter decode() throws IOException;
    }

    private static AsymmetricKeyParameter decode(Decoder decoder) {
        try {
            return decoder.decode();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an Ed25519 key encoding: " + e.getMessage(), e);
        }
    }
}
