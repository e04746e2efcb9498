package dev.fedmesh.trust.spiffe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SpiffeIdTest {

    @Test
    void aWorkloadIdReadsBackAsWritten() {
        SpiffeId id = SpiffeId.parse("spiffe://acme.fedmesh.dev/ns/shop/sa/cart");

        assertThat(id.trustDomain()).isEqualTo(TrustDomain.of("acme.fedmesh.dev"));
        assertThat(id.path()).isEqualTo("/ns/shop/sa/cart");
        assertThat(id).isEqualTo(TrustDomain.of("acme.fedmesh.dev").workload("shop", "cart"));
        assertThat(id.toUri().toString()).isEqualTo("spiffe://acme.fedmesh.dev/ns/shop/sa/cart");
        assertThat(id.isTrustDomainId()).isFalse();
    }

    @Test
    void theTrustDomainsOwnIdHasNoPath() {
        SpiffeId id = SpiffeId.parse("spiffe://acme.fedmesh.dev");

        assertThat(id.isTrustDomainId()).isTrue();
        assertThat(id).isEqualTo(TrustDomain.of("acme.fedmesh.dev").id());
    }

    @Test
    void membershipIsByExactTrustDomain() {
        SpiffeId id = SpiffeId.parse("spiffe://acme.fedmesh.dev/ns/a/sa/b");

        assertThat(id.memberOf(TrustDomain.of("acme.fedmesh.dev"))).isTrue();
        assertThat(id.memberOf(TrustDomain.of("fedmesh.dev"))).isFalse();
        assertThat(id.memberOf(TrustDomain.of("other.fedmesh.dev"))).isFalse();
    }

    @Test
    void eachMistakeIsNamedWithItsFix() {
        assertThatThrownBy(() -> SpiffeId.parse("https://acme.fedmesh.dev/x"))
                .hasMessageContaining("must start with spiffe://");
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://Acme.dev/x"))
                .hasMessageContaining("'A' at position 0");
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://acme.dev:8080/x"))
                .hasMessageContaining("no scheme, port or path");
        assertThatThrownBy(() -> SpiffeId.parse("spiffe:///ns/a"))
                .hasMessageContaining("is empty");
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://acme.dev/ns//sa"))
                .hasMessageContaining("empty path segment");
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://acme.dev/ns/../sa"))
                .hasMessageContaining("relative segments");
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://acme.dev/ns/a/"))
                .hasMessageContaining("trailing slash");
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://acme.dev/ns/a b"))
                .hasMessageContaining("' ' in path segment \"a b\"");
        assertThatThrownBy(() -> TrustDomain.of("a".repeat(256)))
                .hasMessageContaining("at most 255");
    }
}
