package dev.fedmesh.controlapi.store;

import dev.fedmesh.controlapi.auth.Role;
import dev.fedmesh.controlapi.auth.TokenSecret;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.policy.document.Violation;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

import static dev.fedmesh.db.jooq.Tables.API_TOKENS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * A tenant's API tokens. Minting and revoking are tenant changes like any other write: they
 * raise the tenant's revision and leave an audit entry (the secret never enters either).
 */
@Singleton
public final class TokenStore {
    static final String AUDIT_KIND = "ApiToken";
    // Refreshing last_used_at on every request would turn every read into a write.
    private static final Duration LAST_USED_PRECISION = Duration.ofMinutes(1);
    private final DSLContext dsl;

    public TokenStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** A token just minted, with the secret that is shown this once and kept nowhere. */
    public record Minted(Token token, String secret) {
    }

    /** Mints a token within a tenant change; the change's actor is recorded as its creator. */
    public Minted mint(TenantChange change, TokenRequest request) {
        DSLContext tx = change.tx();
        String secret = TokenSecret.generate();
        Record row = tx.insertInto(API_TOKENS)
                .set(API_TOKENS.ID, UUID.randomUUID())
                .set(API_TOKENS.TENANT_ID, change.tenantId())
                .set(API_TOKENS.NAME, request.name())
                .set(API_TOKENS.ROLE, request.role().name().toLowerCase(Locale.ROOT))
                .set(API_TOKENS.SECRET_SHA256, TokenSecret.sha256(secret))
                .set(API_TOKENS.CREATED_BY, change.actor())
                .set(API_TOKENS.EXPIRES_AT, request.expiresAt())
                .returning()
                .fetchSingle();
        Token token = toToken(row, change.tenantName());
        change.audit("create", AUDIT_KIND, token.id().toString(), null, TokenJson.toText(token));
        return new Minted(token, secret);
    }

    /** The outcome of a revocation: revoked now, or already revoked before. */
    public sealed interface Revocation permits Revoked, AlreadyRevoked {
        Token token();
    }

    public record Revoked(Token token) implements Revocation {
    }

    public record AlreadyRevoked(Token token) implements Revocation, TenantStore.Unchanged {
    }

    /**
     * Revokes a token within a tenant change; {@code mayRevoke} sees it first and throws to
     * refuse. Revoking a revoked token changes nothing.
     */
    public Revocation revoke(TenantChange change, String id, Consumer<Token> mayRevoke) {
        DSLContext tx = change.tx();
        Token before = parseId(id).flatMap(uuid -> tx.selectFrom(API_TOKENS)
                        .where(API_TOKENS.TENANT_ID.eq(change.tenantId()).and(API_TOKENS.ID.eq(uuid)))
                        .forUpdate()
                        .fetchOptional(row -> toToken(row, change.tenantName())))
                .orElseThrow(() -> notFound(id));
        mayRevoke.accept(before);
        if (before.revokedAt() != null) {
            return new AlreadyRevoked(before);
        }
        Token after = toToken(tx.update(API_TOKENS)
                .set(API_TOKENS.REVOKED_AT, DSL.currentOffsetDateTime())
                .where(API_TOKENS.ID.eq(before.id()))
                .returning()
                .fetchSingle(), change.tenantName());
        change.audit("update", AUDIT_KIND, after.id().toString(), TokenJson.toText(before), TokenJson.toText(after));
        return new Revoked(after);
    }

    /** One page of a tenant's tokens, revoked and expired ones included, ordered by id. */
    public Page.Result<Token> list(UUID tenantId, String tenantName, Page page) {
        var condition = API_TOKENS.TENANT_ID.eq(tenantId);
        if (page.after() != null) {
            UUID after = parseId(page.after()).orElseThrow(() -> ApiException.invalid(List.of(new Violation("pageToken",
                    "is not a token this API issued: pass back nextPageToken from the previous page unchanged"))));
            condition = condition.and(API_TOKENS.ID.gt(after));
        }
        List<Token> fetched = dsl.selectFrom(API_TOKENS)
                .where(condition)
                .orderBy(API_TOKENS.ID)
                .limit(page.limit() + 1)
                .fetch(row -> toToken(row, tenantName));
        return page.toResult(fetched, token -> token.id().toString());
    }

    /** One of a tenant's tokens; empty for an id that is not one of them (or not an id at all). */
    public Optional<Token> find(UUID tenantId, String tenantName, String id) {
        return parseId(id).flatMap(uuid -> dsl.selectFrom(API_TOKENS)
                .where(API_TOKENS.TENANT_ID.eq(tenantId).and(API_TOKENS.ID.eq(uuid)))
                .fetchOptional(row -> toToken(row, tenantName)));
    }

    /** The token whose secret has this SHA-256, if it is neither revoked nor expired right now. */
    public Optional<Token> findValid(byte[] secretSha256) {
        Optional<Token> token = dsl.select(API_TOKENS.fields()).select(TENANTS.NAME)
                .from(API_TOKENS).join(TENANTS).on(TENANTS.ID.eq(API_TOKENS.TENANT_ID))
                .where(API_TOKENS.SECRET_SHA256.eq(secretSha256))
                .and(API_TOKENS.REVOKED_AT.isNull())
                .and(API_TOKENS.EXPIRES_AT.isNull().or(API_TOKENS.EXPIRES_AT.gt(DSL.currentOffsetDateTime())))
                .fetchOptional(row -> toToken(row, row.get(TENANTS.NAME)));
        token.filter(TokenStore::lastUseIsStale).ifPresent(used -> dsl.update(API_TOKENS)
                .set(API_TOKENS.LAST_USED_AT, DSL.currentOffsetDateTime())
                .where(API_TOKENS.ID.eq(used.id()))
                .execute());
        return token;
    }

    private static ApiException notFound(String id) {
        return ApiException.notFound("Token '" + id + "'");
    }

    private static boolean lastUseIsStale(Token token) {
        return token.lastUsedAt() == null || token.lastUsedAt().isBefore(OffsetDateTime.now().minus(LAST_USED_PRECISION));
    }

    private static Optional<UUID> parseId(String id) {
        try {
            return Optional.of(UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Token toToken(Record row, String tenantName) {
        return new Token(
                row.get(API_TOKENS.ID),
                tenantName,
                row.get(API_TOKENS.NAME),
                Role.valueOf(row.get(API_TOKENS.ROLE).toUpperCase(Locale.ROOT)),
                row.get(API_TOKENS.CREATED_BY),
                row.get(API_TOKENS.CREATED_AT),
                row.get(API_TOKENS.EXPIRES_AT),
                row.get(API_TOKENS.REVOKED_AT),
                row.get(API_TOKENS.LAST_USED_AT));
    }
}
