package dev.fedmesh.distributor.access;

import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.distributor.KafkaCalls;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Provisions agents' Kafka access through the Admin API, as the distributor's own (super) user:
 * a SCRAM credential with the derived password and the ACLs of {@link AgentAcls} per cluster.
 * It remembers what it provisioned, so publishing a tenant whose clusters did not change costs no
 * Kafka call. The first time it sees a tenant after starting it provisions every cluster again
 * (both calls are idempotent) and removes the agents the desired topic's ACLs still name but the
 * tenant no longer has, also those deleted while no distributor ran. A tenant that no longer exists
 * is never published again: {@link AgentAccessSweep} finds its agents with {@link #agentsOnBroker}
 * and takes their access with {@link #removeTenant}.
 */
public final class KafkaAgentAccess implements AgentAccess {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaAgentAccess.class);
    private static final long TIMEOUT_SECONDS = 30;
    private static final int SCRAM_ITERATIONS = 8192;

    private final Admin admin;
    private final String topicPrefix;
    private final AgentPrincipals principals;
    private final AgentCredentials credentials;
    private final ScramMechanism mechanism;
    private final Map<String, Set<String>> provisioned = new ConcurrentHashMap<>();

    private KafkaAgentAccess(Admin admin, String topicPrefix, AgentCredentials credentials, ScramMechanism mechanism) {
        this.admin = admin;
        this.topicPrefix = topicPrefix;
        this.principals = new AgentPrincipals(topicPrefix);
        this.credentials = credentials;
        this.mechanism = mechanism;
    }

    /** Connects with the distributor's own security; agents get credentials for the same SCRAM mechanism. */
    public static KafkaAgentAccess connect(String bootstrapServers, KafkaClientSecurity security, String topicPrefix,
                                           AgentCredentials credentials) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "fedmesh-distributor-access");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        security.applyTo(config);
        ScramMechanism mechanism = security.mechanism() == KafkaClientSecurity.Mechanism.SCRAM_SHA_256
                ? ScramMechanism.SCRAM_SHA_256 : ScramMechanism.SCRAM_SHA_512;
        return new KafkaAgentAccess(Admin.create(config), topicPrefix, credentials, mechanism);
    }

    @Override
    public synchronized void provision(String tenant, Set<String> clusters) {
        Set<String> wanted = new TreeSet<>(clusters);
        Set<String> known = provisioned.get(tenant);
        if (wanted.equals(known)) {
            return;
        }
        boolean firstSight = known == null;
        Set<String> before = firstSight ? clustersWithAcls(tenant) : known;
        Set<String> granted = new TreeSet<>(wanted);
        if (!firstSight) {
            granted.removeAll(known);
        }
        Set<String> removed = new TreeSet<>(before);
        removed.removeAll(wanted);
        grant(tenant, granted);
        revoke(tenant, removed);
        provisioned.put(tenant, wanted);
        LOG.info("tenant={} Kafka access of agent(s) {} provisioned, of {} removed (principals {})", tenant, granted,
                removed, principals.principal(tenant, "<cluster>"));
    }

    /**
     * Every agent of this installation the broker holds an ACL or a SCRAM credential for: all ACLs
     * and all SCRAM users are listed and those under this installation's prefix kept.
     */
    public AgentsOnBroker agentsOnBroker() {
        Map<String, SortedSet<String>> clustersWithAcls = new TreeMap<>();
        for (AclBinding binding : await(admin.describeAcls(AclBindingFilter.ANY).values(), "listing the Kafka ACLs")) {
            principals.agentOf(binding.entry().principal()).ifPresent(agent ->
                    clustersWithAcls.computeIfAbsent(agent.tenant(), tenant -> new TreeSet<>()).add(agent.cluster()));
        }
        Map<AgentPrincipals.Agent, Set<ScramMechanism>> credentials = new HashMap<>();
        Map<String, UserScramCredentialsDescription> users = await(admin.describeUserScramCredentials().all(),
                "listing the Kafka SCRAM users");
        for (Map.Entry<String, UserScramCredentialsDescription> user : users.entrySet()) {
            principals.agentOfUsername(user.getKey()).ifPresent(agent -> credentials.put(agent,
                    user.getValue().credentialInfos().stream().map(ScramCredentialInfo::mechanism)
                            .collect(Collectors.toUnmodifiableSet())));
        }
        return new AgentsOnBroker(clustersWithAcls, credentials);
    }

    /**
     * Takes every ACL and credential {@code onBroker} shows for an agent of {@code tenant}, and
     * forgets the tenant, so that a tenant of that name created later is provisioned whole. Removing
     * what another distributor has just removed changes nothing.
     */
    public synchronized void removeTenant(String tenant, AgentsOnBroker onBroker) {
        SortedSet<String> clusters = onBroker.clustersOf(tenant);
        provisioned.remove(tenant);
        if (clusters.isEmpty()) {
            return;
        }
        List<AclBindingFilter> filters = new ArrayList<>();
        List<UserScramCredentialAlteration> deletions = new ArrayList<>();
        for (String cluster : clusters) {
            filters.add(AgentAcls.allOf(principals.principal(tenant, cluster)));
            for (ScramMechanism held : onBroker.credentials().getOrDefault(new AgentPrincipals.Agent(tenant, cluster), Set.of())) {
                deletions.add(new UserScramCredentialDeletion(principals.username(tenant, cluster), held));
            }
        }
        String what = "deleted tenant " + tenant + " cluster(s) " + clusters;
        await(admin.deleteAcls(filters).all(), "removing the Kafka ACLs of " + what);
        deleteCredentials(deletions);
        LOG.info("tenant={} no longer exists: Kafka access of its agent(s) {} removed (principals {})", tenant, clusters,
                principals.principal(tenant, "<cluster>"));
    }

    /** Forgets what was provisioned for {@code tenant}: its next publish provisions every cluster again. */
    public void forget(String tenant) {
        provisioned.remove(tenant);
    }

    /** Forgets every tenant but {@code existing}: one created later under a forgotten name is provisioned whole. */
    public void forgetAllBut(Set<String> existing) {
        provisioned.keySet().retainAll(existing);
    }

    private Set<String> clustersWithAcls(String tenant) {
        Collection<AclBinding> bindings = await(admin.describeAcls(AgentAcls.onDesiredTopic(topicPrefix, tenant)).values(),
                "reading the ACLs of tenant " + tenant + "'s desired topic");
        Set<String> clusters = new TreeSet<>();
        for (AclBinding binding : bindings) {
            principals.clusterOf(tenant, binding.entry().principal()).ifPresent(clusters::add);
        }
        return clusters;
    }

    private void grant(String tenant, Set<String> clusters) {
        if (clusters.isEmpty()) {
            return;
        }
        List<UserScramCredentialAlteration> upserts = new ArrayList<>();
        List<AclBinding> bindings = new ArrayList<>();
        for (String cluster : clusters) {
            upserts.add(new UserScramCredentialUpsertion(principals.username(tenant, cluster),
                    new ScramCredentialInfo(mechanism, SCRAM_ITERATIONS), credentials.password(tenant, cluster)));
            bindings.addAll(AgentAcls.of(topicPrefix, tenant, principals.principal(tenant, cluster)));
        }
        String what = "tenant " + tenant + " cluster(s) " + clusters;
        await(admin.alterUserScramCredentials(upserts).all(), "creating the Kafka credentials of " + what);
        await(admin.createAcls(bindings).all(), "creating the Kafka ACLs of " + what);
    }

    private void revoke(String tenant, Set<String> clusters) {
        if (clusters.isEmpty()) {
            return;
        }
        String what = "tenant " + tenant + " cluster(s) " + clusters;
        List<AclBindingFilter> filters = new ArrayList<>();
        List<UserScramCredentialAlteration> deletions = new ArrayList<>();
        for (String cluster : clusters) {
            filters.add(AgentAcls.allOf(principals.principal(tenant, cluster)));
            deletions.add(new UserScramCredentialDeletion(principals.username(tenant, cluster), mechanism));
        }
        await(admin.deleteAcls(filters).all(), "removing the Kafka ACLs of " + what);
        deleteCredentials(deletions);
    }

    private void deleteCredentials(List<UserScramCredentialAlteration> deletions) {
        if (deletions.isEmpty()) {
            return;
        }
        for (Map.Entry<String, KafkaFuture<Void>> deletion : admin.alterUserScramCredentials(deletions).values().entrySet()) {
            try {
                await(deletion.getValue(), "removing the Kafka credential of " + deletion.getKey());
            } catch (AgentAccessException e) {
                // Already gone (removed by hand, or by another distributor): the outcome is the same.
                if (!(e.getCause() instanceof ResourceNotFoundException)) {
                    throw e;
                }
            }
        }
    }

    private static <T> T await(KafkaFuture<T> call, String what) {
        return KafkaCalls.await(call, TIMEOUT_SECONDS, what, AgentAccessException::new);
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
