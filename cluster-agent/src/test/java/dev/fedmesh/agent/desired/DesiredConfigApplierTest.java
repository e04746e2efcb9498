package dev.fedmesh.agent.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Service;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DesiredConfigApplierTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path stateDir;

    private final List<Long> served = new CopyOnWriteArrayList<>();
    private final List<Long> trusted = new CopyOnWriteArrayList<>();
    private final AtomicInteger failureChanges = new AtomicInteger();
    /** How many of the next trust steps fail, as a key file that cannot be moved makes them. */
    private final AtomicInteger trustFailures = new AtomicInteger();
    private final List<DesiredConfigApplier> appliers = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        appliers.forEach(DesiredConfigApplier::close);
    }

    @Test
    void revisionsOnlyMoveForward() {
        DesiredConfigApplier applier = applier();

        assertThat(applier.offer(config(2), "test")).isTrue();
        assertThat(applier.offer(config(2), "test")).isFalse();
        assertThat(applier.offer(config(1), "test")).isFalse();
        assertThat(applier.offer(config(5), "test")).isTrue();

        assertThat(served).containsExactly(2L, 5L);
        assertThat(applier.appliedRevision()).isEqualTo(5);
        assertThat(applier.applyFailure()).isEmpty();
    }

    @Test
    void configForAnotherClusterOrTenantIsNotApplied() {
        DesiredConfigApplier applier = applier();

        assertThat(applier.offer(config(3).toBuilder().setCluster("us-east-1").build(), "test")).isFalse();
        assertThat(applier.offer(config(3).toBuilder().setTenant("globex").build(), "test")).isFalse();

        assertThat(served).isEmpty();
        assertThat(applier.appliedRevision()).isEqualTo(-1);
    }

    @Test
    void appliedConfigIsRestoredByTheNextApplierFromDisk() {
        applier().offer(config(7), "test");
        served.clear();

        DesiredConfigApplier restarted = applier();

        assertThat(restarted.restoreLastKnownGood()).isTrue();
        assertThat(served).containsExactly(7L);
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
        assertThat(served).isEmpty();
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

    @Test
    void aConfigWhoseTrustCannotBeTakenIsNeitherServedNorKeptAndIsTriedAgainUntilItApplies() throws Exception {
        DesiredConfigApplier applier = applier();
        applier.offer(config(1), "test");
        trustFailures.set(2);

        assertThat(applier.offer(config(2), "test")).isFalse();

        assertThat(served).containsExactly(1L);
        assertThat(applier.appliedRevision()).isEqualTo(1);
        assertThat(lastKnownGood().load()).contains(config(1));
        ConfigApplyFailure failure = applier.applyFailure().orElseThrow();
        assertThat(failure.revision()).isEqualTo(2);
        assertThat(failure.attempts()).isEqualTo(1);
        assertThat(failure.error()).startsWith("revision 2 not applied: taking its trust domain, roots and intermediate"
                        + " CA failed: UncheckedIOException: java.nio.file.NotDirectoryException:")
                .contains("Proxies keep revision 1 until it applies; retrying in 1 s")
                .contains("Fix: where a file is named, check that its directory");
        assertThat(failureChanges).hasValue(1);

        await(() -> applier.appliedRevision() == 2, "revision 2 applied once the trust step succeeds");
        assertThat(served).containsExactly(1L, 2L);
        assertThat(trusted).containsExactly(1L, 2L);
        assertThat(lastKnownGood().load()).contains(config(2));
        assertThat(applier.applyFailure()).isEmpty();
        assertThat(failureChanges).as("failed, failed again, applied").hasValue(3);
    }

    @Test
    void aNewerConfigSupersedesOneThatFailedAndAnOlderOneDoesNot() {
        DesiredConfigApplier applier = applier();
        trustFailures.set(1);
        assertThat(applier.offer(config(3), "test")).isFalse();
        assertThat(applier.applyFailure().orElseThrow().error()).contains("Proxies get no config until it applies");

        assertThat(applier.offer(config(2), "test")).as("older than the one being tried again").isFalse();
        assertThat(applier.offer(config(4), "test")).isTrue();

        assertThat(served).containsExactly(4L);
        assertThat(applier.applyFailure()).isEmpty();
        assertThat(applier.offer(config(3), "test")).isFalse();
    }

    @Test
    void whenTheLastKnownGoodFileCannotBeReplacedTheConfigIsNotServed() throws Exception {
        DesiredConfigApplier applier = applier();
        applier.offer(config(1), "test");
        // A real fault: a directory, with something in it, where the file must be renamed to.
        Path file = lastKnownGood().file();
        Files.delete(file);
        Files.createDirectories(file.resolve("in-the-way"));

        assertThat(applier.offer(config(2), "test")).isFalse();

        assertThat(served).containsExactly(1L);
        assertThat(applier.applyFailure().orElseThrow().error())
                .startsWith("revision 2 not applied: replacing the last-known-good file " + file + " failed: ")
                .contains("Fix: check that the agent's state directory " + file.getParent());
        Files.delete(file.resolve("in-the-way"));
        Files.delete(file);
        await(() -> applier.appliedRevision() == 2, "revision 2 applied once the file can be replaced");
        assertThat(lastKnownGood().load()).contains(config(2));
        try (var files = Files.list(file.getParent())) {
            assertThat(files).as("no temporary file left").containsExactly(file);
        }
    }

    @Test
    void failedConfigsAreTriedAgainAfterOneSecondThenTwiceAsLongUpToThirtySeconds() {
        assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 40)).extracting(DesiredConfigApplier::backOff).containsExactly(
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
                Duration.ofSeconds(16), Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    @Test
    void anErrorIsCutToOneKibibyteOfUtf8WithoutControlCharacters() {
        String error = "naïve\u0000path\n" + "é".repeat(2000);

        ConfigApplyFailure failure = new ConfigApplyFailure(3, error, Clock.systemUTC().instant(), 1);

        assertThat(failure.error().getBytes(StandardCharsets.UTF_8).length).isBetween(1023, 1024);
        assertThat(failure.error()).startsWith("naïve path é").doesNotContain("\u0000", "\n");
    }

    private LastKnownGood lastKnownGood() {
        return new LastKnownGood(stateDir, "acme", "eu-west-1");
    }

    private DesiredConfigApplier applier() {
        DesiredConfigApplier applier = new DesiredConfigApplier("acme", "eu-west-1", lastKnownGood(),
                new DesiredConfigApplier.Steps() {
                    @Override
                    public Runnable prepareServing(DesiredConfig config) {
                        return () -> served.add(config.getRevision());
                    }

                    @Override
                    public void takeTrust(DesiredConfig config) {
                        if (trustFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                            throw new UncheckedIOException(new NotDirectoryException(
                                    stateDir.resolve("acme").resolve("eu-west-1").toString()));
                        }
                        trusted.add(config.getRevision());
                    }
                }, failureChanges::incrementAndGet, Clock.systemUTC());
        appliers.add(applier);
        return applier;
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
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
