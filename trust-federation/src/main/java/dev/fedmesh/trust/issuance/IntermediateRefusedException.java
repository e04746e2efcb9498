package dev.fedmesh.trust.issuance;

/** An intermediate CSR was refused and nothing was issued; the refusal says why and what to fix. */
public final class IntermediateRefusedException extends RuntimeException {

    private final transient Refusal refusal;

    public IntermediateRefusedException(IntermediateOwner owner, Refusal refusal) {
        super("intermediate for " + owner + " refused (" + refusal.code() + "): " + refusal.reason());
        this.refusal = refusal;
    }

    public Refusal refusal() {
        return refusal;
    }
}
