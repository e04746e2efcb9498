package dev.fedmesh.controlapi.store;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.policy.document.PolicyJson;

import java.time.Duration;
import java.time.OffsetDateTime;

/** The JSON form of a cluster's status, as the REST API answers it. */
public final class StatusJson {
    private StatusJson() {
    }

    /** One cluster; {@code staleAfter} is how long without a report makes a cluster stale. */
    public static ObjectNode write(StatusOfCluster status, Duration staleAfter) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("cluster", status.cluster());
        json.put("desiredRevision", text(status.desiredRevision()));
        json.put("desiredSha256", StatusOfCluster.hex(status.desiredSha256()));
        json.put("publishedAt", text(status.publishedAt()));
        json.put("appliedRevision", text(status.appliedRevision()));
        json.put("appliedSha256", StatusOfCluster.hex(status.appliedSha256()));
        json.put("appliedAt", text(status.appliedAt()));
        json.put("inSync", status.inSync());
        json.put("syncSince", text(status.syncSince()));
        json.put("lastHeartbeat", text(status.lastHeartbeat()));
        json.put("stale", status.stale(staleAfter));
        json.put("xdsVersion", status.xdsVersion());
        json.put("lastRefusal", status.lastRefusal());
        ObjectNode counts = json.putObject("proxyCounts");
        counts.put("total", status.proxyCounts().total());
        counts.put("synced", status.proxyCounts().synced());
        counts.put("stale", status.proxyCounts().stale());
        counts.put("nacked", status.proxyCounts().nacked());
        if (status.applyFailure() != null) {
            ObjectNode failure = json.putObject("applyFailure");
            failure.put("revision", String.valueOf(status.applyFailure().revision()));
            failure.put("error", status.applyFailure().error());
            failure.put("failedAt", text(status.applyFailure().failedAt()));
            failure.put("attempts", status.applyFailure().attempts());
        }
        ArrayNode proxies = json.putArray("proxies");
        for (StatusOfCluster.Proxy proxy : status.proxies()) {
            ObjectNode entry = proxies.addObject();
            entry.put("node", proxy.nodeId());
            entry.put("state", proxy.state());
            entry.put("error", proxy.error());
            entry.put("connectedAt", text(proxy.connectedAt()));
            entry.set("types", PolicyJson.parse(proxy.typesJson()));
        }
        putPublishFailure(json, status.publishFailure());
        json.set("notEnforced", NotEnforcedJson.write(status.notEnforced(), true));
        return json;
    }

    /** Why the tenant's changes are not being published, as {@code publishFailure}; absent while they are. */
    public static void putPublishFailure(ObjectNode owner, TenantPublishFailure failure) {
        if (failure == null) {
            return;
        }
        ObjectNode json = owner.putObject("publishFailure");
        json.put("code", failure.code());
        json.put("message", failure.message());
        json.put("failingSince", text(failure.failingSince()));
        json.put("attempts", failure.attempts());
        json.put("lastAttemptAt", text(failure.lastAttemptAt()));
        json.put("nextAttemptAt", text(failure.nextAttemptAt()));
    }

    /** The records of a tenant's agents that were not taken, as the REST API answers them. */
    public static ObjectNode deadLetters(String tenant, java.util.List<StatusStore.DeadLetter> letters) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("tenant", tenant);
        ArrayNode items = json.putArray("deadLetters");
        for (StatusStore.DeadLetter letter : letters) {
            ObjectNode entry = items.addObject();
            entry.put("cluster", letter.cluster());
            entry.put("reason", letter.reason());
            entry.put("occurrences", letter.occurrences());
            entry.put("topic", letter.topic());
            entry.put("partition", letter.partition());
            entry.put("offset", String.valueOf(letter.offset()));
            entry.put("bytes", letter.bytes());
            entry.put("detail", letter.detail());
            entry.put("firstAt", text(letter.firstAt()));
            entry.put("lastAt", text(letter.lastAt()));
        }
        return json;
    }

    private static String text(Long value) {
        return value == null ? null : String.valueOf(value);
    }

    private static String text(OffsetDateTime value) {
        return value == null ? null : value.toInstant().toString();
    }
}
