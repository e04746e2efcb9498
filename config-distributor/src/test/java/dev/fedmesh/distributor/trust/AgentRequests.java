package dev.fedmesh.distributor.trust;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.api.v1.RenewalProof;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.trust.x509.CertificateRequest;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What an agent sends and reads, written out here from cluster_status.proto and
 * desired_config.proto independently of the code under test.
 */
public final class AgentRequests {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private AgentRequests() {
    }

    /** A first request: HMAC-SHA256 of the proof bytes keyed by SHA-256 of the bootstrap credential. */
    public static IntermediateRequest credentialRequest(String tenant, String cluster, CertificateRequest csr, String credential) {
        Instant at = Instant.now();
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(sha256(credential), "HmacSHA256"));
            return IntermediateRequest.newBuilder()
                    .setCsrDer(ByteString.copyFrom(csr.der()))
                    .setRequestedAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()))
                    .setCredentialProof(ByteString.copyFrom(mac.doFinal(proofBytes(tenant, cluster, at, csr))))
                    .build();
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** A renewal: the proof bytes signed with {@code signer}, named by its key's SHA-256. */
    static IntermediateRequest renewalRequest(String tenant, String cluster, CertificateRequest csr, KeyPair signer) {
        return renewalRequest(tenant, cluster, csr, signer, signer);
    }

    /** A renewal naming {@code named}'s key but signed with {@code signer}'s. */
    static IntermediateRequest renewalRequest(String tenant, String cluster, CertificateRequest csr, KeyPair named,
                                              KeyPair signer) {
        Instant at = Instant.now();
        try {
            Signature signature = Signature.getInstance("SHA256withECDSA");
            signature.initSign(signer.getPrivate());
            signature.update(proofBytes(tenant, cluster, at, csr));
            return IntermediateRequest.newBuilder()
                    .setCsrDer(ByteString.copyFrom(csr.der()))
                    .setRequestedAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()))
                    .setRenewalProof(RenewalProof.newBuilder()
                            .setPublicKeySha256(ByteString.copyFrom(publicKeySha256(named)))
                            .setSignature(ByteString.copyFrom(signature.sign())))
                    .build();
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The HMAC a status record of {@code cluster} carries in its fedmesh-report-mac header: over the
     * record's value, keyed by HMAC-SHA256(SHA-256(credential), "fedmesh-status-report\n" + tenant + "\n" + cluster).
     */
    public static byte[] reportMac(String tenant, String cluster, byte[] value, String credential) {
        try {
            Mac keyMac = Mac.getInstance("HmacSHA256");
            keyMac.init(new SecretKeySpec(sha256(credential), "HmacSHA256"));
            byte[] key = keyMac.doFinal(("fedmesh-status-report\n" + tenant + "\n" + cluster).getBytes(StandardCharsets.UTF_8));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(value);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] proofBytes(String tenant, String cluster, Instant at, CertificateRequest csr) {
        byte[] text = ("fedmesh-intermediate-request\n" + tenant + "\n" + cluster + "\n" + at.getEpochSecond() + "\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] der = csr.der();
        byte[] bytes = new byte[text.length + der.length];
        System.arraycopy(text, 0, bytes, 0, text.length);
        System.arraycopy(der, 0, bytes, text.length, der.length);
        return bytes;
    }

    public static byte[] publicKeySha256(KeyPair keys) {
        return CertificateRequest.publicKeySha256(SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()));
    }

    public static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** The cluster's newest record on the tenant's desired topic, read to its end; empty when it has none yet. */
    public static Optional<DesiredConfig> latestConfig(String topicPrefix, String tenant, String cluster) {
        String topic = KafkaTopics.desired(topicPrefix, tenant);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, PATIENCE).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, PATIENCE);
            DesiredConfig latest = null;
            while (partitions.stream().anyMatch(partition -> consumer.position(partition, PATIENCE) < ends.get(partition))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key().equals(cluster)) {
                        latest = DesiredConfig.parseFrom(DesiredConfigEnvelope.parseFrom(record.value()).getConfig());
                    }
                }
            }
            return Optional.ofNullable(latest);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
