package dev.fedmesh.trust.issuance;

/** Why an intermediate CSR is refused: a stable code for machines and a reason that says what to fix. */
public record Refusal(Code code, String reason) {

    /** The kinds of refusal, as audit entries and errors name them. */
    public enum Code {
        WEAK_KEY,
        SIGNATURE_INVALID,
        WRONG_URI_SAN,
        EXTRA_SAN,
        NOT_A_CA,
        KEY_HELD_BY_ANOTHER_CLUSTER,
        KEY_EXPIRED
    }
}
