package dev.fedmesh.trust.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IntermediateSigningRequestTest {

    private static final TrustDomain ACME = TrustDomain.of("acme.fedmesh.dev");
    private static final CertificateRequest CSR =
            CertificateRequest.create(KeyType.EC_P256.generate(), "east", List.of(ACME.id().toUri()), true);
    private static final String ROOT = "3f".repeat(32);

    @Test
    void theRequestsFromBeforeRotationNameNoRoot() {
        assertThat(new IntermediateSigningRequest(ACME, CSR, Duration.ofDays(30), 0).rootSha256Hex()).isEmpty();
        assertThat(IntermediateSigningRequest.leavesOnly(ACME, CSR, Duration.ofDays(30)).rootSha256Hex()).isEmpty();
    }

    @Test
    void underRootIsTheSameRequestNamingTheRoot() {
        IntermediateSigningRequest request = new IntermediateSigningRequest(ACME, CSR, Duration.ofDays(7), 1);

        IntermediateSigningRequest named = request.underRoot(ROOT);

        assertThat(named).isEqualTo(new IntermediateSigningRequest(ACME, CSR, Duration.ofDays(7), 1, Optional.of(ROOT)));
        assertThat(request.rootSha256Hex()).isEmpty();
    }

    @Test
    void aRootThatIsNotALowerCaseSha256IsRefusedWithTheFix() {
        assertThatThrownBy(() -> IntermediateSigningRequest.leavesOnly(ACME, CSR, Duration.ofDays(7)).underRoot(ROOT.toUpperCase()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ROOT.toUpperCase())
                .hasMessageContaining("64 lower-case hex digits");
        assertThatThrownBy(() -> IntermediateSigningRequest.leavesOnly(ACME, CSR, Duration.ofDays(7)).underRoot("abc"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
