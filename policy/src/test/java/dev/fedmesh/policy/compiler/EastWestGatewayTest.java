package dev.fedmesh.policy.compiler;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class EastWestGatewayTest {

    @ParameterizedTest
    @ValueSource(strings = {"gw.east.example.com:15443", "gw:1", "10.0.0.7:65535", "[2001:db8::1]:15443",
            "[::1]:443", "GW-1.Example.COM:8443", "gw.example.com.:443"})
    void aDnsNameOrAnIpLiteralWithAPortIsAccepted(String value) {
        EastWestGateway.Parsed parsed = EastWestGateway.parse(value);

        assertThat(parsed.problem()).isEmpty();
        assertThat(parsed.gateway()).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gw.example.com", "gw.example.com:0", "gw.example.com:65536", "gw.example.com:http",
            "gw.example.com:", ":443", "2001:db8::1:443", "[gw.example.com]:443", "[2001:db8::zz]:443",
            "-gw.example.com:443", "gw_1.example.com:443", "gw..example.com:443", "300.1.1.1:443", "1.2.3:443",
            "https://gw.example.com:443", "gw example.com:443"})
    void anythingElseIsRefusedWithTheRule(String value) {
        EastWestGateway.Parsed parsed = EastWestGateway.parse(value);

        assertThat(parsed.gateway()).isEmpty();
        assertThat(parsed.problem()).hasValueSatisfying(problem -> assertThat(problem)
                .contains("'" + value + "'").endsWith(EastWestGateway.RULE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gw.east.example.com:15443", "10.0.0.7:80", "[2001:db8::1]:15443"})
    void theCanonicalFormReadsBackTheSame(String value) {
        EastWestGateway gateway = EastWestGateway.parse(value).gateway().orElseThrow();

        assertThat(gateway.toString()).isEqualTo(value);
        assertThat(EastWestGateway.parse(gateway.toString()).gateway()).contains(gateway);
    }
}
