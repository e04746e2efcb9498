package dev.fedmesh.controlapi.http;

import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.controlapi.trust.ExpiryWarning;
import dev.fedmesh.controlapi.trust.RootFingerprints;
import dev.fedmesh.controlapi.trust.RootRetirement;
import dev.fedmesh.controlapi.trust.TrustJson;
import dev.fedmesh.controlapi.trust.TrustStore;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.List;

/**
 * The expiry watch of a tenant's trust, {@code /api/v1/tenants/{tenant}/trust}, and retiring a root
 * from its bundle by hand, {@code .../trust/roots/{sha256}}.
 */
@Tag(name = "Trust")
@Controller("/api/v1/tenants/{tenant}")
@ExecuteOn(TaskExecutors.BLOCKING)
public class TrustController {
    private final TenantStore tenants;
    private final TrustStore trust;
    private final ExpiryWarning warning;
    private final RootRetirement retirement;

    public TrustController(TenantStore tenants, TrustStore trust, ExpiryWarning warning, RootRetirement retirement) {
        this.tenants = tenants;
        this.trust = trust;
        this.warning = warning;
        this.retirement = retirement;
    }

    @Get("/trust")
    @Operation(operationId = "getTenantTrust", summary = "The tenant's trust domain, its roots' expiry, and each registered"
            + " cluster's current intermediates: expiring when the newest one expires within fedmesh.api.trust.expiry-warning"
            + " (or has expired), missing when the cluster never had one.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TenantTrustSchema.class)))
    @ProblemResponses
    public HttpResponse<String> tenant(Principal principal, String tenant) {
        Access.require(principal, tenant, Permission.READ);
        return JsonResponses.ok(TrustJson.write(trust.read(tenants.require(tenant)), warning));
    }

    /** Drops a root from the tenant's bundle by hand; refused while anything still uses it. */
    @Delete("/trust/roots/{sha256}")
    @Operation(operationId = "retireTrustRoot", summary = "Drops a root (SHA-256 of its DER, hex) from the tenant's bundle:"
            + " every cluster gets the smaller bundle. 409 root_in_use, changing nothing, while it is the signing root, the"
            + " last root, a root of an open rotation, the root of a cluster's newest intermediate or of its SVIDs."
            + " Retiring a retired root changes nothing.")
    @ApiResponse(responseCode = "204", description = "retired (or already retired)")
    @ProblemResponses
    public HttpResponse<String> retire(Principal principal, String tenant, String sha256) {
        Access.require(principal, tenant, Permission.WRITE);
        byte[] fingerprint = RootFingerprints.parseHex("sha256", sha256);
        retirement.retire(tenant, principal.subject(), fingerprint);
        return HttpResponse.noContent();
    }

    /** The shape of a root, for the OpenAPI document. */
    @Schema(name = "TrustRoot", requiredProperties = {"sha256", "notBefore", "notAfter", "secondsLeft", "firstSeen", "state", "signingSince", "retiredAt"})
    public record RootSchema(@Schema(description = "SHA-256 (hex) of the root certificate's DER") String sha256,
                             String notBefore, String notAfter,
                             @Schema(description = "seconds from now until notAfter; negative once past") long secondsLeft,
                             @Schema(description = "when a distributor first recorded the root") String firstSeen,
                             @Schema(allowableValues = {"signing", "bundle", "retired"}, description = "signing: in the bundle"
                                     + " and signing new intermediates; bundle: in the bundle only; retired: in no bundle") String state,
                             @Schema(nullable = true, description = "since when it signs (or signed) new intermediates; null if it never did") String signingSince,
                             @Schema(nullable = true, description = "when it left the bundle; null while in it") String retiredAt) {
    }

    /** The shape of an intermediate, for the OpenAPI document. */
    @Schema(name = "ClusterIntermediate", requiredProperties = {"publicKeySha256", "notAfter", "secondsLeft", "issuedAt", "rootSha256"})
    public record IntermediateSchema(@Schema(description = "SHA-256 (hex) of the intermediate's public key") String publicKeySha256,
                                     String notAfter, long secondsLeft, String issuedAt,
                                     @Schema(nullable = true, description = "SHA-256 (hex) of the root it chains to; null if issued before roots were tracked") String rootSha256) {
    }

    /** The shape of one cluster's trust, for the OpenAPI document. */
    @Schema(name = "ClusterTrust", requiredProperties = {"cluster", "expiring", "missing", "intermediates", "intermediateNotAfter", "svidRootSha256"})
    public record ClusterTrustSchema(@Schema(example = "east") String cluster,
                                     @Schema(description = "the newest intermediate expires within the warning window, or has expired") boolean expiring,
                                     @Schema(description = "the cluster was never issued an intermediate") boolean missing,
                                     @Schema(description = "every unexpired intermediate (two while the agent rotates), or the last one when all expired")
                                     List<IntermediateSchema> intermediates,
                                     @Schema(nullable = true, description = "the intermediate's expiry as the cluster's agent last reported it; null while it holds none") String intermediateNotAfter,
                                     @Schema(nullable = true, description = "SHA-256 (hex) of the root the agent's SVIDs chain to, as it last reported; null while it holds none") String svidRootSha256) {
    }

    /** The shape of the summary, for the OpenAPI document. */
    @Schema(name = "TrustSummary", requiredProperties = {"clusters", "expiring", "missing", "earliestIntermediateNotAfter", "earliestIntermediateSecondsLeft"})
    public record SummarySchema(int clusters, List<String> expiring, List<String> missing,
                                @Schema(nullable = true, description = "the earliest expiry among the clusters' newest intermediates") String earliestIntermediateNotAfter,
                                @Schema(nullable = true) Long earliestIntermediateSecondsLeft) {
    }

    /** The shape of a tenant's trust, for the OpenAPI document. */
    @Schema(name = "TenantTrust", requiredProperties = {"tenant", "trustDomain", "expiryWarningSeconds", "at", "roots", "clusters", "summary"})
    public record TenantTrustSchema(String tenant, String trustDomain, long expiryWarningSeconds,
                                    @Schema(description = "the database's clock when this was read; secondsLeft counts from it") String at,
                                    List<RootSchema> roots, List<ClusterTrustSchema> clusters, SummarySchema summary) {
    }
}
