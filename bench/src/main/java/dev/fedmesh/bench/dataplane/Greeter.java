package dev.fedmesh.bench.dataplane;

import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import io.grpc.stub.StreamObserver;

/** The greeter both variants serve, the same code behind a plain server and behind an xDS one. */
final class Greeter extends GreeterGrpc.GreeterImplBase {
    @Override
    public void sayHello(HelloRequest request, StreamObserver<HelloReply> replies) {
        replies.onNext(HelloReply.newBuilder().setMessage("Hello " + request.getName()).build());
        replies.onCompleted();
    }
}
