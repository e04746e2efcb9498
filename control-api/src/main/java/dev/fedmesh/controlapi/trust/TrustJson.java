package dev.fedmesh.controlapi.trust;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/** A tenant's trust as {@code GET /api/v1/tenants/{tenant}/trust} answers it, with the clusters flagged. */
public final class TrustJson {
    private TrustJson() {
    }

    public static ObjectNode write(TenantTrust trust, ExpiryWarning warning) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("tenant", trust.tenant());
        json.put("trustDomain", trust.trustDomain());
        json.put("expiryWarningSeconds", warning.window().toSeconds());
        json.put("at", text(trust.now()));
        ArrayNode roots = json.putArray("roots");
        for (TenantTrust.Root root : trust.roots()) {
            ObjectNode node = roots.addObject();
            node.put("sha256", HexFormat.of().formatHex(root.sha256()));
            node.put("notBefore", text(root.notBefore()));
            node.put("notAfter", text(root.notAfter()));
            node.put("secondsLeft", trust.secondsLeft(root.notAfter()));
            node.put("firstSeen", text(root.firstSeen()));
            node.put("state", root.state().name().toLowerCase(Locale.ROOT));
            node.put("signingSince", text(root.signingSince()));
            node.put("retiredAt", text(root.retiredAt()));
        }
        ObjectNode summary = JsonNodeFactory.instance.objectNode();
        summary.put("clusters", trust.clusters().size());
        ArrayNode expiring = summary.putArray("expiring");
        ArrayNode missing = summary.putArray("missing");
        ArrayNode clusters = json.putArray("clusters");
        for (TenantTrust.ClusterTrust cluster : trust.clusters()) {
            ObjectNode node = clusters.addObject();
            node.put("cluster", cluster.cluster());
            boolean flagged = warning.flags(cluster, trust.now());
            boolean none = cluster.newest().isEmpty();
            node.put("expiring", flagged);
            node.put("missing", none);
            ArrayNode intermediates = node.putArray("intermediates");
            for (TenantTrust.Intermediate intermediate : cluster.intermediates()) {
                ObjectNode entry = intermediates.addObject();
                entry.put("publicKeySha256", HexFormat.of().formatHex(intermediate.publicKeySha256()));
                entry.put("notAfter", text(intermediate.notAfter()));
                entry.put("secondsLeft", trust.secondsLeft(intermediate.notAfter()));
                entry.put("issuedAt", text(intermediate.issuedAt()));
                entry.put("rootSha256", RootFingerprints.hex(intermediate.rootSha256()));
            }
            node.put("intermediateNotAfter", text(cluster.reported().intermediateNotAfter()));
            node.put("svidRootSha256", RootFingerprints.hex(cluster.reported().svidRootSha256()));
            if (flagged) {
                expiring.add(cluster.cluster());
            }
            if (none) {
                missing.add(cluster.cluster());
            }
        }
        Optional<OffsetDateTime> earliest = trust.earliestIntermediateNotAfter();
        summary.put("earliestIntermediateNotAfter", text(earliest.orElse(null)));
        if (earliest.isEmpty()) {
            summary.putNull("earliestIntermediateSecondsLeft");
        } else {
            summary.put("earliestIntermediateSecondsLeft", trust.secondsLeft(earliest.get()));
        }
        json.set("summary", summary);
        return json;
    }

    private static String text(OffsetDateTime value) {
        return value == null ? null : value.toInstant().toString();
    }
}
