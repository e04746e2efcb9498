package dev.fedmesh.trust.vault;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How fedmesh logs in to Vault. Secrets stay in files, read when needed and never kept in these
 * settings, so printing the settings never prints a secret.
 */
public sealed interface VaultAuth permits VaultAuth.TokenFile, VaultAuth.AppRole {

    /** A token read from {@code file} (re-read when Vault refuses it, so a rotated file is picked up). */
    record TokenFile(Path file) implements VaultAuth {
        public TokenFile {
            Objects.requireNonNull(file, "file");
        }
    }

    /** AppRole: {@code roleId} (not a secret) and the secret id read from {@code secretIdFile}, at auth mount {@code mount}. */
    record AppRole(String mount, String roleId, Path secretIdFile) implements VaultAuth {
        public AppRole {
            Objects.requireNonNull(mount, "mount");
            Objects.requireNonNull(roleId, "roleId");
            Objects.requireNonNull(secretIdFile, "secretIdFile");
        }

        /** The role id is half a credential: it is not printed. */
        @Override
        public String toString() {
            return "AppRole[mount=" + mount + ", roleId=redacted, secretIdFile=" + secretIdFile + "]";
        }
    }
}
