package dev.fedmesh.agent;

import java.util.concurrent.CountDownLatch;

/** Runs one cluster agent from configuration until the JVM is asked to stop. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        // The agent jar is also a library (the one-command run embeds it): its logging setup only
        // applies when it runs on its own, and an explicit one always wins.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "fedmesh-agent-logback.xml");
        }
        AgentSettings settings;
        try {
            settings = AgentSettings.load();
        } catch (InvalidAgentSettingsException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        ClusterAgent agent = ClusterAgent.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }, "fedmesh-agent-shutdown"));
        stopped.await();
    }
}
