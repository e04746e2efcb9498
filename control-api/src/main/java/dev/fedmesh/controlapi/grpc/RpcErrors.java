package dev.fedmesh.controlapi.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import com.google.rpc.Status;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.db.DatabaseErrors;
import dev.fedmesh.controlapi.http.DatabaseErrorHandler;
import dev.fedmesh.controlapi.limits.TooManyRequests;
import dev.fedmesh.policy.document.InvalidDocumentException;
import dev.fedmesh.policy.document.Violation;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The one mapping from a refused request to its gRPC answer: a google.rpc.Status whose code
 * matches the REST status, with an ErrorInfo carrying the same stable code REST sends, a
 * BadRequest naming every offending field by its REST path, and a RetryInfo when waiting helps.
 */
final class RpcErrors {
    /** ErrorInfo.domain of every fedmesh error. */
    static final String DOMAIN = "fedmesh.dev";
    private static final Logger LOG = LoggerFactory.getLogger(RpcErrors.class);

    private RpcErrors() {
    }

    /** The status for anything a call threw; unexpected failures are logged and answered without internals. */
    static StatusRuntimeException toStatus(Throwable error, String method) {
        if (error instanceof ApiException refused) {
            return refused(refused);
        }
        if (error instanceof InvalidDocumentException invalid) {
            return refused(ApiException.invalid(invalid.violations()));
        }
        if (error instanceof TooManyRequests tooMany) {
            return StatusProto.toStatusRuntimeException(Status.newBuilder()
                    .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
                    .setMessage(tooMany.getMessage())
                    .addDetails(errorInfo(tooMany.code()))
                    .addDetails(retryAfter(tooMany.retryAfterSeconds()))
                    .build());
        }
        if (DatabaseErrors.isUnavailable(error)) {
            LOG.warn("gRPC call {} answered UNAVAILABLE: the database does not answer ({})", method,
                    error.getCause() == null ? error.getClass().getSimpleName() : error.getCause().getClass().getSimpleName());
            return StatusProto.toStatusRuntimeException(Status.newBuilder()
                    .setCode(Code.UNAVAILABLE_VALUE)
                    .setMessage(DatabaseErrorHandler.UNAVAILABLE_MESSAGE)
                    .addDetails(errorInfo("database_unavailable"))
                    .addDetails(retryAfter(DatabaseErrorHandler.RETRY_AFTER_SECONDS))
                    .build());
        }
        LOG.error("gRPC call {} failed unexpectedly; answered INTERNAL", method, error);
        return StatusProto.toStatusRuntimeException(Status.newBuilder()
                .setCode(Code.INTERNAL_VALUE)
                .setMessage("The server failed to answer; the change may not have been made. Read the resource "
                        + "again before retrying, and tell the operator if it keeps failing")
                .addDetails(errorInfo("internal"))
                .build());
    }

    /** The status for a refusal the API made on purpose. */
    static StatusRuntimeException refused(ApiException refused) {
        Status.Builder status = Status.newBuilder()
                .setCode(code(refused).getNumber())
                .setMessage(refused.getMessage())
                .addDetails(errorInfo(refused.code()));
        List<Violation> violations = refused.details();
        if (!violations.isEmpty()) {
            BadRequest.Builder badRequest = BadRequest.newBuilder();
            for (Violation violation : violations) {
                badRequest.addFieldViolations(BadRequest.FieldViolation.newBuilder()
                        .setField(violation.field())
                        .setDescription(violation.problem()));
            }
            status.addDetails(Any.pack(badRequest.build()));
        }
        return StatusProto.toStatusRuntimeException(status.build());
    }

    /** The gRPC code a REST status stands for; see docs/grpc.md. */
    static Code code(ApiException refused) {
        return switch (refused.status().getCode()) {
            case 400, 415 -> Code.INVALID_ARGUMENT;
            case 401 -> Code.UNAUTHENTICATED;
            case 403 -> Code.PERMISSION_DENIED;
            case 404 -> Code.NOT_FOUND;
            case 409 -> switch (refused.code()) {
                case "already_exists", "kind_mismatch" -> Code.ALREADY_EXISTS;
                case "version_conflict" -> Code.ABORTED;
                default -> Code.FAILED_PRECONDITION;
            };
            case 412 -> Code.ABORTED;
            case 413, 429 -> Code.RESOURCE_EXHAUSTED;
            default -> Code.INTERNAL;
        };
    }

    private static Any retryAfter(long seconds) {
        return Any.pack(RetryInfo.newBuilder().setRetryDelay(Duration.newBuilder().setSeconds(seconds)).build());
    }

    private static Any errorInfo(String code) {
        return Any.pack(ErrorInfo.newBuilder().setReason(code).setDomain(DOMAIN).build());
    }
}
