package dev.fedmesh.controlapi.trust;

import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.policy.document.Violation;

import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/** Roots are named by the SHA-256 of their DER: 64 lower-case hex digits over REST, 32 bytes over gRPC. */
public final class RootFingerprints {
    private static final int LENGTH = 32;

    private RootFingerprints() {
    }

    /** The fingerprint written as hex in {@code field}, or a 400 naming the field. */
    public static byte[] parseHex(String field, String hex) {
        String lower = hex == null ? "" : hex.toLowerCase(Locale.ROOT);
        if (lower.length() != 2 * LENGTH || !lower.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
            throw ApiException.invalid(List.of(new Violation(field, "'" + hex + "' is not a root's fingerprint: write the"
                    + " SHA-256 of its DER as 64 hex digits, as GET .../trust lists it in roots[].sha256")));
        }
        return HexFormat.of().parseHex(lower);
    }

    /** The fingerprint given as bytes in {@code field}, or a 400 naming the field. */
    public static byte[] requireBytes(String field, byte[] sha256) {
        if (sha256.length != LENGTH) {
            throw ApiException.invalid(List.of(new Violation(field, "holds " + sha256.length + " bytes, not the 32 of a"
                    + " root's SHA-256: pass TrustRoot.sha256 from GetTenantTrust unchanged")));
        }
        return sha256;
    }

    /** Lower-case hex, or null for null. */
    public static String hex(byte[] sha256) {
        return sha256 == null ? null : HexFormat.of().formatHex(sha256);
    }
}
