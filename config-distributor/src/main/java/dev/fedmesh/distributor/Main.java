package dev.fedmesh.distributor;

import dev.fedmesh.distributor.trust.TrustSettings;
import io.micronaut.context.ApplicationContext;

import java.util.concurrent.CountDownLatch;

/** Runs a config-distributor as its own process until it is told to stop. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        // This jar is also a library (the one-command run embeds it): its logging setup applies
        // only when it runs on its own, and an explicit one always wins.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "fedmesh-distributor-logback.xml");
        }
        DistributorSettings settings;
        TrustSettings trust;
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).args(args).start()) {
            settings = DistributorSettings.from(context.getEnvironment());
            trust = TrustSettings.from(context.getEnvironment());
        } catch (IllegalArgumentException e) {
            System.err.println("fedmesh config-distributor cannot start: " + e.getMessage());
            System.exit(2);
            return;
        }
        ConfigDistributor distributor = ConfigDistributor.start(settings, trust);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            distributor.close();
            stopped.countDown();
        }, "fedmesh-distributor-shutdown"));
        stopped.await();
    }
}
