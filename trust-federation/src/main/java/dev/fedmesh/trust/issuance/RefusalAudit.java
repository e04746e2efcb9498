package dev.fedmesh.trust.issuance;

/** Where refused intermediate requests are recorded, so an operator sees who asked for what and why it was refused. */
public interface RefusalAudit {

    void refused(IntermediateOwner owner, String publicKeySha256Hex, Refusal refusal);
}
