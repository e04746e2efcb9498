package dev.fedmesh.policy.xds;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.api.v1.TrafficPermissionSpec;
import dev.fedmesh.api.v1.TrafficRouteSpec;
import dev.fedmesh.api.v1.WeightedSubset;
import java.util.Map;

/** Builders for the desired configs the xDS tests translate. */
public final class DesiredConfigs {

    private DesiredConfigs() {
    }

    public static DesiredConfig config(long revision, String... services) {
        DesiredConfig.Builder config = DesiredConfig.newBuilder()
                .setTenant("acme")
                .setCluster("eu-west-1")
                .setRevision(revision);
        for (String service : services) {
            config.addServices(Service.newBuilder().setName(service));
        }
        return config.build();
    }

    /** A TrafficRoute on {@code service} splitting by {@code version}: v1 gets {@code v1Weight}, v2 gets {@code v2Weight}. */
    public static Policy versionSplit(String name, String service, int v1Weight, int v2Weight) {
        return trafficRoute(name, service, split(Map.of("version", "v1"), v1Weight), split(Map.of("version", "v2"), v2Weight));
    }

    public static Policy trafficRoute(String name, String service, WeightedSubset... splits) {
        return Policy.newBuilder()
                .setKind("TrafficRoute")
                .setName(name)
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService(service)))
                .setTrafficRoute(TrafficRouteSpec.newBuilder().addAllSplit(java.util.List.of(splits)))
                .build();
    }

    public static WeightedSubset split(Map<String, String> labels, int weight) {
        return WeightedSubset.newBuilder().putAllLabels(labels).setWeight(weight).build();
    }

    /** A mesh-wide MtlsMode. */
    public static Policy meshMtls(MtlsModeSpec.Mode mode) {
        return Policy.newBuilder()
                .setKind("MtlsMode")
                .setName("mesh-mtls")
                .setTarget(Target.newBuilder().setMesh(true))
                .setMtlsMode(MtlsModeSpec.newBuilder().setMode(mode))
                .build();
    }

    /** A TrafficPermission on {@code service} with one rule: {@code action} for the workloads of {@code source}. */
    public static Policy permission(String name, String service, TrafficPermissionSpec.Action action, String source) {
        return Policy.newBuilder()
                .setKind("TrafficPermission")
                .setName(name)
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService(service)))
                .setTrafficPermission(TrafficPermissionSpec.newBuilder()
                        .addRules(TrafficPermissionSpec.Rule.newBuilder()
                                .setAction(action)
                                .addSources(TrafficPermissionSpec.Source.newBuilder().setService(source))))
                .build();
    }

    /** The mesh default of TrafficPermission, with no rules. */
    public static Policy meshDefault(TrafficPermissionSpec.Action action) {
        return Policy.newBuilder()
                .setKind("TrafficPermission")
                .setName("mesh-default")
                .setTarget(Target.newBuilder().setMesh(true))
                .setTrafficPermission(TrafficPermissionSpec.newBuilder().setDefaultAction(action))
                .build();
    }
}
