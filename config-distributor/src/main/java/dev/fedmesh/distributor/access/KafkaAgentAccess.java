package dev.fedmesh.distributor.access;

import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.distributor.KafkaCalls;
import dev.fedmesh.distributor.access.AgentPrincipals.Agent;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
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
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Provisions agents' Kafka access through the Admin API, as the distributor's own (super) user:
 * per registered cluster, a SCRAM user named after the cluster's current bootstrap credential
 * ({@link AgentPrincipals}) with the password derived from it
 * ({@link ClusterCredentialKeys#kafkaPassword}), and the ACLs of {@link AgentAcls}. It remembers
 * what it provisioned, so publishing a tenant whose agents did not change costs no Kafka call. The
 * first time it sees a tenant after starting it provisions every current agent again (both calls
 * are idempotent) and removes every other agent the desired topic's ACLs name: clusters deleted,
 * credentials re-issued, also while no distributor ran. {@link AgentAccessSweep} finds the agents of
 * tenants that no longer exist with {@link #agentsOnBroker} and takes their access with
 * {@link #remove}.
 */
public final class KafkaAgentAccess implements AgentAccess {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaAgentAccess.class);
    private static final long TIMEOUT_SECONDS = 30;
    private static final int SCRAM_ITERATIONS = 8192;

    private final Admin admin;
    private final DSLContext dsl;
    private final String topicPrefix;
    private final AgentPrincipals principals;
    private final ScramMechanism mechanism;
    private final Map<String, Set<Agent>> provisioned = new ConcurrentHashMap<>();

    private KafkaAgentAccess(Admin admin, DSLContext dsl, String topicPrefix, ScramMechanism mechanism) {
        this.admin = admin;
        this.dsl = dsl;
        this.topicPrefix = topicPrefix;
        this.principals = new AgentPrincipals(topicPrefix);
        this.mechanism = mechanism;
    }

    /**
     * Connects with the distributor's own security; agents get credentials for the same SCRAM
     * mechanism, derived from their clusters' credentials as {@code dsl} reads them.
     */
    public static KafkaAgentAccess connect(String bootstrapServers, KafkaClientSecurity security, String topicPrefix,
                                           DSLContext dsl) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "fedmesh-distributor-access");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        security.applyTo(config);
        ScramMechanism mechanism = security.mechanism() == KafkaClientSecurity.Mechanism.SCRAM_SHA_256
                ? ScramMechanism.SCRAM_SHA_256 : ScramMechanism.SCRAM_SHA_512;
        return new KafkaAgentAccess(Admin.create(config), dsl, topicPrefix, mechanism);
    }

    /** The principals this access names agents with. */
    public AgentPrincipals principals() {
        return principals;
    }

    @Override
    public synchronized void provision(UUID tenantId, String tenant, Set<String> clusters) {
        Map<Agent, ClusterCredentialKeys> current = CurrentAgents.of(dsl, tenantId, tenant, clusters);
        Set<Agent> wanted = new HashSet<>(current.keySet());
        Set<Agent> known = provisioned.get(tenant);
        if (wanted.equals(known)) {
            return;
        }
        boolean firstSight = known == null;
        Set<Agent> before = firstSight ? agentsWithAclsOnDesiredTopic(tenant) : known;
        Map<Agent, ClusterCredentialKeys> granted = new HashMap<>(current);
        if (!firstSight) {
            granted.keySet().removeAll(known);
        }
        Set<Agent> removed = new HashSet<>(before);
        removed.removeAll(wanted);
        grant(granted);
        revoke(removed, "no longer current agents of tenant " + tenant);
        provisioned.put(tenant, wanted);
        LOG.info("tenant={} Kafka access of agent(s) {} provisioned, of {} removed", tenant, usernames(granted.keySet()),
                usernames(removed));
    }

    /**
     * Every agent of this installation the broker holds an ACL or a SCRAM credential for: all ACLs
     * and all SCRAM users are listed and those under this installation's prefix kept.
     */
    public AgentsOnBroker agentsOnBroker() {
        Set<Agent> withAcls = new HashSet<>();
        for (AclBinding binding : await(admin.describeAcls(AclBindingFilter.ANY).values(), "listing the Kafka ACLs")) {
            principals.agentOf(binding.entry().principal()).ifPresent(withAcls::add);
        }
        Map<Agent, Set<ScramMechanism>> credentials = new HashMap<>();
        Map<String, UserScramCredentialsDescription> users = await(admin.describeUserScramCredentials().all(),
                "listing the Kafka SCRAM users");
        for (Map.Entry<String, UserScramCredentialsDescription> user : users.entrySet()) {
            principals.agentOfUsername(user.getKey()).ifPresent(agent -> credentials.put(agent,
                    user.getValue().credentialInfos().stream().map(ScramCredentialInfo::mechanism)
                            .collect(Collectors.toUnmodifiableSet())));
        }
        return new AgentsOnBroker(withAcls, credentials);
    }

    /**
     * Takes every ACL and every SCRAM credential (of whichever mechanism {@code onBroker} shows) of
     * {@code agents}; removing what another distributor has just removed changes nothing.
     */
    public synchronized void remove(Set<Agent> agents, AgentsOnBroker onBroker, String why) {
        if (agents.isEmpty()) {
            return;
        }
        agents.forEach(agent -> {
            Set<Agent> known = provisioned.get(agent.tenant());
            if (known != null) {
                known.remove(agent);
            }
        });
        List<AclBindingFilter> filters = new ArrayList<>();
        List<UserScramCredentialAlteration> deletions = new ArrayList<>();
        for (Agent agent : agents) {
            filters.add(AgentAcls.allOf(principals.principal(agent)));
            for (ScramMechanism held : onBroker.credentials().getOrDefault(agent, Set.of(mechanism))) {
                deletions.add(new UserScramCredentialDeletion(principals.username(agent), held));
            }
        }
        await(admin.deleteAcls(filters).all(), "removing the Kafka ACLs of " + usernames(agents));
        deleteCredentials(deletions);
        LOG.info("Kafka access of agent(s) {} removed: {}", usernames(agents), why);
    }

    /** Forgets what was provisioned for {@code tenant}: its next publish provisions every agent again. */
    public void forget(String tenant) {
        provisioned.remove(tenant);
    }

    /** Forgets every tenant but {@code existing}: one created later under a forgotten name is provisioned whole. */
    public void forgetAllBut(Set<String> existing) {
        provisioned.keySet().retainAll(existing);
    }

    private Set<Agent> agentsWithAclsOnDesiredTopic(String tenant) {
        Collection<AclBinding> bindings = await(admin.describeAcls(AgentAcls.onDesiredTopic(topicPrefix, tenant)).values(),
                "reading the ACLs of tenant " + tenant + "'s desired topic");
        Set<Agent> agents = new HashSet<>();
        for (AclBinding binding : bindings) {
            principals.agentOf(binding.entry().principal())
                    .filter(agent -> agent.tenant().equals(tenant))
                    .ifPresent(agents::add);
        }
        return agents;
    }

    private void grant(Map<Agent, ClusterCredentialKeys> agents) {
        if (agents.isEmpty()) {
            return;
        }
        List<UserScramCredentialAlteration> upserts = new ArrayList<>();
        List<AclBinding> bindings = new ArrayList<>();
        agents.forEach((agent, keys) -> {
            upserts.add(new UserScramCredentialUpsertion(principals.username(agent),
                    new ScramCredentialInfo(mechanism, SCRAM_ITERATIONS), keys.kafkaPassword(agent.tenant(), agent.cluster())));
            bindings.addAll(AgentAcls.of(topicPrefix, agent.tenant(), principals.principal(agent)));
        });
        String what = usernames(agents.keySet()).toString();
        await(admin.alterUserScramCredentials(upserts).all(), "creating the Kafka credentials of " + what);
        await(admin.createAcls(bindings).all(), "creating the Kafka ACLs of " + what);
    }

    private void revoke(Set<Agent> agents, String why) {
        remove(agents, new AgentsOnBroker(Set.of(), Map.of()), why);
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

    private SortedSet<String> usernames(Set<Agent> agents) {
        return agents.stream().map(principals::username).collect(Collectors.toCollection(TreeSet::new));
    }

    private static <T> T await(KafkaFuture<T> call, String what) {
        return KafkaCalls.await(call, TIMEOUT_SECONDS, what, AgentAccessException::new);
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
