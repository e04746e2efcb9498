package dev.fedmesh.policy.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class WorkloadIdentitiesTest {

    @Test
    void aServiceIsEveryWorkloadRunningUnderItsNameInAnyNamespaceOfTheTrustDomain() {
        StringMatcher greeter = WorkloadIdentities.ofService("acme.example", "greeter");

        assertThat(matches(greeter, "spiffe://acme.example/ns/shop/sa/greeter")).isTrue();
        assertThat(matches(greeter, "spiffe://acme.example/ns/default/sa/greeter")).isTrue();
        assertThat(matches(greeter, "spiffe://acme.example/ns/shop/sa/greeter-v2")).isFalse();
        assertThat(matches(greeter, "spiffe://acmeXexample/ns/shop/sa/greeter")).isFalse();
        assertThat(matches(greeter, "spiffe://other.example/ns/shop/sa/greeter")).isFalse();
        assertThat(matches(greeter, "spiffe://acme.example/ns/a/b/sa/greeter")).isFalse();
    }

    @Test
    void aNamespaceIsEveryServiceAccountInIt() {
        StringMatcher sandbox = WorkloadIdentities.ofNamespace("acme.example", "sandbox");

        assertThat(matches(sandbox, "spiffe://acme.example/ns/sandbox/sa/anything")).isTrue();
        assertThat(matches(sandbox, "spiffe://acme.example/ns/sandbox2/sa/anything")).isFalse();
    }

    @Test
    void withoutATrustDomainAnyTrustDomainMatches() {
        StringMatcher greeter = WorkloadIdentities.ofService("", "greeter");

        assertThat(matches(greeter, "spiffe://other.example/ns/shop/sa/greeter")).isTrue();
        assertThat(WorkloadIdentities.spiffeId("acme.example", "shop", "greeter"))
                .isEqualTo("spiffe://acme.example/ns/shop/sa/greeter");
    }

    @Test
    void punctuationInANameIsTakenLiterally() {
        assertThat(WorkloadIdentities.literal("a.b-c_d")).isEqualTo("a\\.b-c_d");
        assertThat(WorkloadIdentities.literal("x(y)*")).isEqualTo("x\\(y\\)\\*");
    }

    // Envoy and gRPC match safe_regex (RE2) against the whole SAN; these patterns mean the same in java.util.regex.
    private static boolean matches(StringMatcher matcher, String san) {
        return Pattern.compile(matcher.getSafeRegex().getRegex()).matcher(san).matches();
    }
}
