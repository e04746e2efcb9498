package dev.fedmesh.policy.compiler;

import com.google.protobuf.ByteString;

import java.time.Instant;
import java.util.Objects;

/**
 * An unexpired intermediate CA certificate issued to one cluster's agent: the SHA-256 of the key it
 * certifies, its chain without the root (PEM), and when it expires.
 */
public record IntermediateOfCluster(String cluster, ByteString publicKeySha256, String chainPem, Instant notAfter) {

    public IntermediateOfCluster {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(publicKeySha256, "publicKeySha256");
        Objects.requireNonNull(chainPem, "chainPem");
        Objects.requireNonNull(notAfter, "notAfter");
    }
}
