package dev.fedmesh.controlapi;

import dev.fedmesh.policy.document.PolicyJson;

/** Reading bits of JSON bodies in tests. */
final class RestClientJson {
    private RestClientJson() {
    }

    static String kind(String body) {
        return PolicyJson.parse(body).path("kind").asText();
    }
}
