package dev.fedmesh.standalone;

import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;

/** Calls to the sample greeter, for tests that care whether they were served, how they were refused, or by whom. */
final class GreeterCalls {

    private GreeterCalls() {
    }

    /** OK when the call was answered, else the status it failed with (PERMISSION_DENIED, UNAVAILABLE, …). */
    static Status.Code statusOf(ManagedChannel channel, String caller) {
        try {
            GreeterGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .sayHello(HelloRequest.newBuilder().setName(caller).build());
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    /** The version of the greeter instance that answered, or null when the call failed. */
    static String versionOrNull(ManagedChannel channel) {
        try {
            return GreeterGrpc.newBlockingStub(channel).withWaitForReady().withDeadlineAfter(20, TimeUnit.SECONDS)
                    .sayHello(HelloRequest.newBuilder().setName("test").build()).getVersion();
        } catch (StatusRuntimeException e) {
            return null;
        }
    }

    /** Waits until 50 calls in a row were answered by the instance of {@code version}. */
    static void awaitOnly(ManagedChannel channel, String version) {
        int[] run = {0};
        Await.until(() -> {
            run[0] = version.equals(versionOrNull(channel)) ? run[0] + 1 : 0;
            return run[0] >= 50;
        }, "50 calls in a row answered by " + version);
    }
}
