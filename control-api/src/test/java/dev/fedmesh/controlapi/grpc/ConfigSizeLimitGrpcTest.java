package dev.fedmesh.controlapi.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import dev.fedmesh.api.v1.ApplyPolicyRequest;
import dev.fedmesh.controlapi.RunningApi;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ApplyPolicy refuses, as REST does, a policy that would make a cluster's config larger than Kafka carries. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfigSizeLimitGrpcTest {
    private RunningApi running;
    private GrpcClient client;

    @BeforeAll
    void start() {
        running = RunningApi.start(getClass(), Map.of("fedmesh.api.max-config-record-bytes", 64 * 1024));
        client = new GrpcClient(running.grpcPort());
    }

    @AfterAll
    void stop() throws InterruptedException {
        client.close();
        running.close();
    }

    @Test
    void aPolicyThatWouldMakeAConfigTooLargeIsRefusedResourceExhaustedWithTheSameCodeAsRest() {
        String tenant = running.newTenant();
        assertThat(running.send(running.adminToken, "POST", "/api/v1/tenants/" + tenant + "/clusters",
                "{\"name\": \"east\"}").statusCode()).isEqualTo(201);
        String editor = running.mint(running.adminToken, tenant, "ci", "editor");
        Map<String, Integer> before = running.rowCounts();

        for (boolean dryRun : new boolean[] {true, false}) {
            assertThatThrownBy(() -> client.policies(editor).applyPolicy(permission(tenant, 300, dryRun)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, refused -> {
                        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                        com.google.rpc.Status status = StatusProto.fromThrowable(refused);
                        assertThat(status.getMessage()).contains("cluster 'east'").contains("over the limit of 49152 bytes");
                        assertThat(errorInfo(status).getReason()).isEqualTo("config_too_large");
                    });
        }
        assertThat(running.rowCounts()).as("the database holds exactly what it held before").isEqualTo(before);
    }

    private static ApplyPolicyRequest permission(String tenant, int sources, boolean dryRun) {
        StringBuilder rules = new StringBuilder();
        for (int rule = 0; rule * 100 < sources; rule++) {
            rules.append(rule == 0 ? "" : ", ").append("{\"action\": \"ALLOW\", \"sources\": [");
            for (int i = rule * 100; i < Math.min(sources, (rule + 1) * 100); i++) {
                rules.append(i == rule * 100 ? "" : ", ").append("{\"spiffeId\": \"spiffe://partner.example/ns/team-")
                        .append(i).append("/sa/").append("s".repeat(180)).append("\"}");
            }
            rules.append("]}");
        }
        return GrpcClient.fromJson("{\"tenant\": \"" + tenant + "\", \"dryRun\": " + dryRun + ", \"policy\": {\"kind\":"
                + " \"TrafficPermission\", \"name\": \"partners\", \"target\": {\"service\": \"greeter\"},"
                + " \"spec\": {\"rules\": [" + rules + "]}}}", ApplyPolicyRequest.getDefaultInstance());
    }

    private static ErrorInfo errorInfo(com.google.rpc.Status status) {
        for (Any detail : status.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    return detail.unpack(ErrorInfo.class);
                } catch (InvalidProtocolBufferException e) {
                    throw new AssertionError(e);
                }
            }
        }
        throw new AssertionError("no ErrorInfo in " + status);
    }
}
