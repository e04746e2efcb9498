package dev.fedmesh.agent;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.api.v1.TrafficRouteSpec;
import dev.fedmesh.api.v1.WeightedSubset;

/** Desired configs for the agent tests: service {@code greeter} split between versions v1 and v2. */
final class Configs {

    static final String SERVICE = "greeter";

    private Configs() {
    }

    static DesiredConfig greeterSplit(String tenant, String cluster, long revision, int v1Weight, int v2Weight) {
        return DesiredConfig.newBuilder()
                .setTenant(tenant)
                .setCluster(cluster)
                .setRevision(revision)
                .addServices(Service.newBuilder().setName(SERVICE))
                .addPolicies(Policy.newBuilder()
                        .setKind("TrafficRoute")
                        .setName("greeter-canary")
                        .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService(SERVICE)))
                        .setTrafficRoute(TrafficRouteSpec.newBuilder()
                                .addSplit(WeightedSubset.newBuilder().putLabels("version", "v1").setWeight(v1Weight))
                                .addSplit(WeightedSubset.newBuilder().putLabels("version", "v2").setWeight(v2Weight))))
                .build();
    }
}
