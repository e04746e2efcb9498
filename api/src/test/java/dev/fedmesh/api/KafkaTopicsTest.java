package dev.fedmesh.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaTopicsTest {

    @Test
    void aTenantHasOneTopicPair() {
        assertThat(KafkaTopics.desired("fedmesh", "acme")).isEqualTo("fedmesh.acme.desired");
        assertThat(KafkaTopics.status("fedmesh", "acme")).isEqualTo("fedmesh.acme.status");
        assertThat(KafkaTopics.inventory("fedmesh", "acme")).isEqualTo("fedmesh.acme.inventory");
    }

    @Test
    void aTopicNamesItsTenantOnlyWhenItIsOneOfAPairUnderThePrefix() {
        assertThat(KafkaTopics.tenantOf("fedmesh", "fedmesh.acme.desired")).contains("acme");
        assertThat(KafkaTopics.tenantOf("fedmesh", "fedmesh.acme.status")).contains("acme");
        assertThat(KafkaTopics.tenantOf("fedmesh.eu", "fedmesh.eu.acme.status")).contains("acme");
        assertThat(KafkaTopics.tenantOf("fedmesh", "fedmesh.acme.inventory")).contains("acme");
        assertThat(KafkaTopics.tenantOf("fedmesh", "fedmesh..inventory")).isEmpty();
        assertThat(KafkaTopics.tenantOf("fedmesh", "other.acme.desired")).isEmpty();
        assertThat(KafkaTopics.tenantOf("fedmesh", "fedmeshx.acme.desired")).isEmpty();
        assertThat(KafkaTopics.tenantOf("fedmesh", "fedmesh.acme.events")).isEmpty();
        assertThat(KafkaTopics.tenantOf("fedmesh", "fedmesh..desired")).isEmpty();
        assertThat(KafkaTopics.tenantOf("fedmesh", "fedmesh.eu.acme.desired")).as("another prefix's tenant").isEmpty();
        assertThat(KafkaTopics.tenantOf("fedmesh", "__consumer_offsets")).isEmpty();
    }

    @Test
    void aRecordsKindIsPartOfWhatItsHmacCovers() {
        byte[] value = {1, 2, 3};
        assertThat(KafkaTopics.authenticatedBytes(null, value)).as("a status report: its value alone").isEqualTo(value);
        assertThat(KafkaTopics.authenticatedBytes(KafkaTopics.INVENTORY_RECORD_KIND, value))
                .isEqualTo(new byte[] {'i', 'n', 'v', 'e', 'n', 't', 'o', 'r', 'y', '\n', 1, 2, 3});
    }

    @Test
    void aClustersPartitionIsFixedByItsNameAlone() {
        // sha256("east") begins 0x6bdb262b = 1809524267; sha256("west") begins 0x76a79620 = 1990694432.
        assertThat(KafkaTopics.desiredPartition("east", 8)).isEqualTo((int) (1809524267L % 8));
        assertThat(KafkaTopics.desiredPartition("west", 8)).isEqualTo((int) (1990694432L % 8));
        assertThat(KafkaTopics.desiredPartition("east", 1)).isZero();
    }

    @Test
    void clustersSpreadOverThePartitions() {
        Map<Integer, Integer> perPartition = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            perPartition.merge(KafkaTopics.desiredPartition(String.format("c%03d", i), 8), 1, Integer::sum);
        }
        assertThat(perPartition).hasSize(8);
        assertThat(perPartition.values()).allSatisfy(count -> assertThat(count).isBetween(4, 25));
    }

    @Test
    void aTopicHasAtLeastOnePartition() {
        assertThatThrownBy(() -> KafkaTopics.desiredPartition("east", 0)).hasMessageContaining("at least one partition");
    }
}
