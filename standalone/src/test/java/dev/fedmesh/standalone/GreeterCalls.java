package dev.fedmesh.standalone;

import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;

/** One call to the sample greeter, for tests that care only whether it was served or how it was refused. */
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
}
