package dev.fedmesh.agent;

import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.issuance.InMemoryIssuedIntermediates;
import dev.fedmesh.trust.issuance.IntermediateIssuer;
import dev.fedmesh.trust.issuance.IntermediateTerms;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The control plane's half of workload identity, played by a test over the real topics: the
 * tenant's topics (created, closed with the test's resources), a built-in CA and the
 * trust-federation issuer the distributor uses on it, issuing intermediates that live {@code intermediateTtl}.
 */
record PlayedControlPlane(ControlPlaneTopics topics, BuiltInCertificateAuthority ca, IntermediateIssuer issuer) {

    static PlayedControlPlane start(Class<?> test, String tenant, ConfigSigningKey signingKey, Path caDirectory,
                                    Duration intermediateTtl, Duration patience, TestResources resources) throws Exception {
        ControlPlaneTopics topics = ControlPlaneTopics.open(TestKafka.topicPrefix(test), tenant, signingKey, patience);
        resources.add(topics);
        topics.createTopics();
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(caDirectory, Clock.systemUTC());
        IntermediateIssuer issuer = new IntermediateIssuer(ca, new InMemoryIssuedIntermediates(),
                (owner, key, refusal) -> { }, new IntermediateTerms(intermediateTtl, 0), Clock.systemUTC());
        return new PlayedControlPlane(topics, ca, issuer);
    }
}
