package dev.fedmesh.controlapi.federation;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.policy.failover.FailoverPlanner.Step;

import java.util.List;

/** A failover preview as {@code GET /api/v1/tenants/{tenant}/services/{name}/failover-preview} answers it. */
public final class FailoverPreviewJson {
    private FailoverPreviewJson() {
    }

    public static ObjectNode write(FailoverPreview preview) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("tenant", preview.tenant());
        json.put("service", preview.service());
        ArrayNode down = json.putArray("down");
        preview.down().forEach(down::add);
        json.put("policy", preview.policy().map(FailoverPreview.NamedFailover::name).orElse(null));
        json.put("thresholdPercent", preview.thresholdPercent());
        json.put("at", preview.at().toInstant().toString());
        ArrayNode inventories = json.putArray("inventories");
        for (FailoverPreview.Inventory inventory : preview.inventories()) {
            ObjectNode node = inventories.addObject();
            node.put("cluster", inventory.cluster());
            node.put("reported", inventory.reportedAt().isPresent());
            node.put("reportedAt", inventory.reportedAt().map(time -> time.toInstant().toString()).orElse(null));
            if (inventory.reportedAt().isPresent()) {
                node.put("ageSeconds", inventory.ageSeconds());
            } else {
                node.putNull("ageSeconds");
            }
            node.put("endpoints", inventory.endpoints().total());
            node.put("healthy", inventory.endpoints().healthy());
        }
        ArrayNode callers = json.putArray("callers");
        for (FailoverPreview.Caller caller : preview.callers()) {
            ObjectNode node = callers.addObject();
            node.put("cluster", caller.cluster());
            node.put("down", caller.down());
            node.put("panic", caller.plan().panic());
            steps(node.putArray("served"), caller.plan().served(), preview, true);
            steps(node.putArray("unserved"), caller.plan().unserved(), preview, false);
        }
        return json;
    }

    private static void steps(ArrayNode array, List<Step> steps, FailoverPreview preview, boolean served) {
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            ObjectNode node = array.addObject();
            node.put("reason", step.reason());
            if (served) {
                node.put("priority", i);
            } else {
                node.putNull("priority");
            }
            node.put("takesTraffic", served && i == 0);
            node.put("endpoints", step.endpoints().total());
            node.put("healthy", step.endpoints().healthy());
            ArrayNode clusters = node.putArray("clusters");
            for (String cluster : step.clusters()) {
                boolean down = preview.isDown(cluster);
                FailoverPreview.Inventory inventory = preview.inventory(cluster);
                ObjectNode entry = clusters.addObject();
                entry.put("cluster", cluster);
                entry.put("endpoints", inventory.endpoints().total());
                entry.put("healthy", down ? 0 : inventory.endpoints().healthy());
                entry.put("down", down);
            }
        }
    }
}
