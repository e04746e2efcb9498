package dev.fedmesh.trust.signing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Creates a config signing key pair: {@code java -cp <config-distributor jar>
 * dev.fedmesh.trust.signing.GenerateConfigSigningKey <signing-key.pem> <verifying-key.pem>}.
 * The first file is for the distributor only; the second goes to every agent.
 */
public final class GenerateConfigSigningKey {

    private GenerateConfigSigningKey() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: GenerateConfigSigningKey <signing-key.pem> <verifying-key.pem>\n"
                    + "  writes a new Ed25519 key pair: the first file (private and public key, owner-readable only)"
                    + " for fedmesh.distributor.signing-key-file,\n  the second (public key only) for every agent's"
                    + " fedmesh.agent.config-verifying-keys");
            System.exit(2);
            return;
        }
        for (String file : args) {
            if (Files.exists(Path.of(file))) {
                System.err.println(file + " already exists; choose a new file name (a key in use is never overwritten)");
                System.exit(1);
                return;
            }
        }
        ConfigSigningKey key = ConfigSigningKey.generate();
        try {
            key.write(Path.of(args[0]));
            key.writePublicKey(Path.of(args[1]));
        } catch (IOException e) {
            System.err.println("cannot write the key files: " + e);
            System.exit(1);
            return;
        }
        System.out.println("config signing key " + key.keyId() + ": " + args[0] + " (distributor only), "
                + args[1] + " (every agent)");
    }
}
