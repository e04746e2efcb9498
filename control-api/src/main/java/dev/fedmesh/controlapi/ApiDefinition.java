package dev.fedmesh.controlapi;

import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.security.SecurityScheme;

/** The OpenAPI document's title and security scheme; the paths come from the controllers. */
@OpenAPIDefinition(
        info = @Info(title = "fedmesh management API", version = "v1",
                description = "Tenants, clusters, services, policies, tokens and the audit log of a fedmesh control plane. "
                        + "Every request carries 'Authorization: Bearer <token>'. Errors are RFC 9457 problem+json."),
        security = @SecurityRequirement(name = "bearer"))
@SecurityScheme(name = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer")
public final class ApiDefinition {
    private ApiDefinition() {
    }
}
