package dev.fedmesh.api;

import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.junit.jupiter.api.Test;

import javax.security.auth.login.AppConfigurationEntry;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaClientSecurityTest {

    @Test
    void plaintextAddsNoCredentials() {
        assertThat(KafkaClientSecurity.plaintext().clientConfig()).containsExactly(Map.entry("security.protocol", "PLAINTEXT"));
    }

    @Test
    void scramGivesKafkaTheUserAndPasswordExactlyEvenWithQuotesAndBackslashes() {
        String password = "p\"a\\ss word;";
        Map<String, String> config = KafkaClientSecurity.saslPlaintext(KafkaClientSecurity.Mechanism.SCRAM_SHA_256,
                "fedmesh-distributor", password).clientConfig();

        assertThat(config).containsEntry("security.protocol", "SASL_PLAINTEXT").containsEntry("sasl.mechanism", "SCRAM-SHA-256");
        AppConfigurationEntry login = JaasContext.loadClientContext(
                Map.of("sasl.jaas.config", new Password(config.get("sasl.jaas.config")))).configurationEntries().get(0);
        assertThat(login.getLoginModuleName()).isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule");
        assertThat(login.getOptions().get("username")).isEqualTo("fedmesh-distributor");
        assertThat(login.getOptions().get("password")).isEqualTo(password);
    }

    @Test
    void saslSslTrustsTheGivenStore() {
        KafkaClientSecurity security = new KafkaClientSecurity(KafkaClientSecurity.Protocol.SASL_SSL,
                KafkaClientSecurity.Mechanism.SCRAM_SHA_512, "fedmesh-distributor", "pw", Path.of("/etc/fedmesh/kafka-ca.pem"),
                null, null);

        assertThat(security.clientConfig())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("ssl.truststore.location", "/etc/fedmesh/kafka-ca.pem")
                .containsEntry("ssl.truststore.type", "PEM")
                .doesNotContainKey("ssl.truststore.password");
    }

    @Test
    void saslWithoutAPasswordOrSslWithoutATruststoreIsRefused() {
        assertThatThrownBy(() -> KafkaClientSecurity.saslPlaintext(KafkaClientSecurity.Mechanism.SCRAM_SHA_512, "u", ""))
                .hasMessageContaining("needs a username and a password");
        assertThatThrownBy(() -> new KafkaClientSecurity(KafkaClientSecurity.Protocol.SASL_SSL,
                KafkaClientSecurity.Mechanism.SCRAM_SHA_512, "u", "pw", null, null, null))
                .hasMessageContaining("truststore");
    }

    @Test
    void thePasswordNeverAppearsInText() {
        KafkaClientSecurity security = KafkaClientSecurity.saslPlaintext(KafkaClientSecurity.Mechanism.SCRAM_SHA_512,
                "fedmesh-distributor", "s3cret-password");

        assertThat(security.toString()).isEqualTo("SASL_PLAINTEXT SCRAM-SHA-512 as fedmesh-distributor");
        assertThat(security.as("fedmesh-agent.acme.east", "other-s3cret").toString()).doesNotContain("s3cret");
    }

    @Test
    void mechanismsAreNamedAsKafkaNamesThem() {
        assertThat(KafkaClientSecurity.Mechanism.named("scram-sha-256")).isEqualTo(KafkaClientSecurity.Mechanism.SCRAM_SHA_256);
        assertThat(KafkaClientSecurity.Mechanism.named("PLAIN")).isNull();
    }
}
