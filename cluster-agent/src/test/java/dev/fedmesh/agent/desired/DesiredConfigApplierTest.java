package dev.fedmesh.agent.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DesiredConfigApplierTest {

    @TempDir
    Path stateDir;

    private final List<Long> applied = new ArrayList<>();

    @Test
    void revisionsOnlyMoveForward() {
        DesiredConfigApplier applier = applier();

        assertThat(applier.offer(config(2), "test")).isTrue();
        assertThat(applier.offer(config(2), "test")).isFalse();
        assertThat(applier.offer(config(1), "test")).isFalse();
        assertThat(applier.offer(config(5), "test")).isTrue();

        assertThat(applied).containsExactly(2L, 5L);
        assertThat(applier.appliedRevision()).isEqualTo(5);
    }

    @Test
    void configForAnotherClusterOrTenantIsNotApplied() {
        DesiredConfigApplier applier = applier();

        assertThat(applier.offer(config(3).toBuilder().setCluster("us-east-1").build(), "test")).isFalse();
        assertThat(applier.offer(config(3).toBuilder().setTenant("globex").build(), "test")).isFalse();

        assertThat(applied).isEmpty();
        assertThat(applier.appliedRevision()).isEqualTo(-1);
    }

    @Test
    void appliedConfigIsRestoredByTheNextApplierFromDisk() {
        applier().offer(config(7), "test");
        applied.clear();

        DesiredConfigApplier restarted = applier();

        assertThat(restarted.restoreLastKnownGood()).isTrue();
        assertThat(applied).containsExactly(7L);
        assertThat(restarted.appliedRevision()).isEqualTo(7);
        assertThat(restarted.offer(config(7), "test")).isFalse();
    }

    @Test
    void damagedLastKnownGoodFileIsSetAsideAndNotApplied() throws Exception {
        LastKnownGood store = new LastKnownGood(stateDir, "acme", "eu-west-1");
        store.save(config(4));
        byte[] bytes = Files.readAllBytes(store.file());
        bytes[bytes.length - 1] ^= 0x01;
        Files.write(store.file(), bytes);

        assertThat(store.load()).isEmpty();
        assertThat(store.file()).doesNotExist();
        assertThat(store.file().resolveSibling(store.file().getFileName() + ".damaged")).hasBinaryContent(bytes);
        assertThat(applier().restoreLastKnownGood()).isFalse();
        assertThat(applied).isEmpty();
    }

    @Test
    void savingLeavesNoTemporaryFilesBehind() throws Exception {
        LastKnownGood store = new LastKnownGood(stateDir, "acme", "eu-west-1");
        store.save(config(1));
        store.save(config(2));

        try (var files = Files.list(store.file().getParent())) {
            assertThat(files).containsExactly(store.file());
        }
        assertThat(store.load()).contains(config(2));
    }

    private DesiredConfigApplier applier() {
        return new DesiredConfigApplier("acme", "eu-west-1", new LastKnownGood(stateDir, "acme", "eu-west-1"),
                config -> applied.add(config.getRevision()));
    }

    private static DesiredConfig config(long revision) {
        return DesiredConfig.newBuilder()
                .setTenant("acme")
                .setCluster("eu-west-1")
                .setRevision(revision)
                .addServices(Service.newBuilder().setName("greeter"))
                .build();
    }
}
