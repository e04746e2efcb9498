package dev.fedmesh.policy.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class EndpointSubsetTest {

    /** A DNS name: labels of 1-63 letters, digits and '-', not starting or ending with '-', 253 characters at most. */
    private static final String DNS_NAME = "^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$";

    @Test
    void theWholeServicesServerNameIsTheServiceUnderTheMeshDomain() {
        assertThat(EndpointSubset.all("greeter").sniName()).isEqualTo("greeter.fedmesh.internal");
    }

    @Test
    void aSubsetsServerNameIsDnsSafeWhateverItsLabelsHold() {
        String sni = EndpointSubset.of("greeter", Map.of("app.kubernetes.io/version", "v2_RC.1", "tier", "Back")).sniName();

        assertThat(sni).matches(DNS_NAME).endsWith(".greeter.fedmesh.internal").startsWith("subset-");
    }

    @Test
    void differentSelectorsGetDifferentNamesAndThePinnedClusterIsNotPartOfIt() {
        EndpointSubset v1 = EndpointSubset.of("greeter", Map.of("version", "v1"));
        EndpointSubset v2 = EndpointSubset.of("greeter", Map.of("version", "v2"));
        EndpointSubset v1InWest = EndpointSubset.of("greeter", Map.of("version", "v1"), "west");
        EndpointSubset swapped = EndpointSubset.of("greeter", Map.of("version=v1\nx", ""));

        assertThat(v1.sniName()).isNotEqualTo(v2.sniName()).isNotEqualTo(swapped.sniName())
                .isEqualTo(v1InWest.sniName());
        assertThat(v1InWest.anywhere()).isEqualTo(v1);
    }

    @Test
    void theNameDoesNotDependOnTheOrderLabelsArriveIn() {
        Map<String, String> forward = new TreeMap<>(Map.of("a", "1", "b", "2"));
        Map<String, String> reverse = new TreeMap<String, String>(java.util.Comparator.reverseOrder());
        reverse.putAll(forward);

        assertThat(EndpointSubset.of("greeter", reverse).sniName()).isEqualTo(EndpointSubset.of("greeter", forward).sniName());
    }
}
