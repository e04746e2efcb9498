package dev.fedmesh.trust.vault;

import io.github.jopenlibs.vault.SslConfig;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.api.Logical;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.LogicalResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logged-in calls to one Vault through the Vault Java driver: logs in on first use, again before
 * an AppRole token's lease ends, and once more when Vault answers 403 (an expired, revoked or
 * rotated token); turns every failure into a {@link VaultCallException} naming the call.
 */
final class VaultSession {

    private static final Logger LOG = LoggerFactory.getLogger(VaultSession.class);

    /** What one driver call does with a logged-in client. */
    interface Call {
        LogicalResponse run(Logical logical) throws VaultException;
    }

    private final VaultSettings settings;
    private final Clock clock;
    private VaultToken token;

    VaultSession(VaultSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    LogicalResponse write(String path, Map<String, Object> body) {
        return call("POST", path, logical -> logical.write(path, body));
    }

    LogicalResponse read(String path) {
        return call("GET", path, logical -> logical.read(path));
    }

    List<String> list(String path) {
        return call("LIST", path, logical -> logical.list(path)).getListData();
    }

    private LogicalResponse call(String method, String path, Call call) {
        String what = method + " /v1/" + path;
        for (int attempt = 1; ; attempt++) {
            VaultToken current = token();
            LogicalResponse response;
            try {
                response = call.run(client(current).logical());
            } catch (VaultException e) {
                throw failed(what, e);
            }
            if (response == null) {
                throw new VaultCallException(404, "Vault at " + settings.baseAddress() + " has nothing at " + what
                        + ": check fedmesh.trust.vault.pki-mount (\"" + settings.pkiMount() + "\") and namespace");
            }
            int status = response.getRestResponse().getStatus();
            if (status == 403 && attempt == 1) {
                LOG.info("Vault at {} answered 403 to {}: logging in again", settings.baseAddress(), what);
                forget(current);
                continue;
            }
            if (status == 403) {
                throw new VaultCallException(403, "Vault at " + settings.baseAddress() + " denied " + what + " (403: "
                        + VaultErrors.of(response.getRestResponse().getBody()) + ") even after logging in again: grant "
                        + describeAuth() + " the policy in \"Vault policy\" of docs/trust.md");
            }
            if (status >= 400) {
                throw new VaultCallException(status, "Vault at " + settings.baseAddress() + " refused " + what + " (" + status
                        + ": " + VaultErrors.of(response.getRestResponse().getBody()) + ")");
            }
            return response;
        }
    }

    private synchronized VaultToken token() {
        if (token == null || !token.usableAt(clock.instant())) {
            token = login();
        }
        return token;
    }

    private synchronized void forget(VaultToken stale) {
        if (token == stale) {
            token = null;
        }
    }

    private VaultToken login() {
        if (settings.auth() instanceof VaultAuth.AppRole role) {
            return appRoleLogin(role);
        }
        return new VaultToken(readSecret(((VaultAuth.TokenFile) settings.auth()).file(), "token"), Instant.MAX);
    }

    private VaultToken appRoleLogin(VaultAuth.AppRole role) {
        String what = "POST /v1/auth/" + role.mount() + "/login";
        AuthResponse response;
        try {
            response = Vault.create(config(null)).auth()
                    .loginByAppRole(role.mount(), role.roleId(), readSecret(role.secretIdFile(), "AppRole secret id"));
        } catch (VaultException e) {
            throw failed(what, e);
        }
        String clientToken = response.getAuthClientToken();
        if (clientToken == null || clientToken.isEmpty()) {
            throw new VaultCallException(response.getRestResponse().getStatus(), "Vault at " + settings.baseAddress()
                    + " answered " + what + " without a client token: check that auth/" + role.mount() + " is an AppRole mount");
        }
        long leaseSeconds = response.getAuthLeaseDuration();
        Instant now = clock.instant();
        // Log in again at three quarters of the lease, before Vault would refuse the token.
        Instant renewAt = leaseSeconds <= 0 ? Instant.MAX : now.plus(Duration.ofSeconds(leaseSeconds * 3 / 4));
        LOG.info("Logged in to Vault at {} with AppRole (auth/{}); token lease {} s", settings.baseAddress(), role.mount(),
                leaseSeconds);
        return new VaultToken(clientToken, renewAt);
    }

    private Vault client(VaultToken current) throws VaultException {
        return Vault.create(config(current.value()));
    }

    private VaultConfig config(String clientToken) throws VaultException {
        int seconds = (int) Math.max(1, settings.timeout().toSeconds());
        VaultConfig config = new VaultConfig()
                .address(settings.baseAddress())
                .engineVersion(1)
                .openTimeout(seconds)
                .readTimeout(seconds);
        if (clientToken != null) {
            config = config.token(clientToken);
        }
        if (settings.namespace() != null) {
            config = config.nameSpace(settings.namespace());
        }
        if (settings.tlsCaFile() != null) {
            config = config.sslConfig(new SslConfig().pemFile(settings.tlsCaFile().toFile()).build());
        }
        return config.build();
    }

    private String readSecret(Path file, String what) {
        String value;
        try {
            value = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new VaultCallException(0, "cannot read the Vault " + what + " file " + file + ": " + e.getClass().getSimpleName(), e);
        }
        if (value.isEmpty()) {
            throw new VaultCallException(0, "the Vault " + what + " file " + file + " is empty");
        }
        return value;
    }

    private VaultCallException failed(String what, VaultException e) {
        int status = e.getHttpStatusCode();
        if (status == 0) {
            Throwable root = e;
            boolean tls = false;
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                tls |= cause instanceof SSLException || cause instanceof CertificateException;
                root = cause;
            }
            if (tls) {
                return new VaultCallException(0, "Vault at " + settings.baseAddress() + " presents a TLS certificate this"
                        + " control plane does not trust, for " + what + " (" + root.getClass().getSimpleName() + "): set "
                        + VaultSettings.PREFIX + "tls.ca-file to the PEM of the CA that signed Vault's certificate", e);
            }
            return new VaultCallException(0, "Vault at " + settings.baseAddress() + " is unreachable for " + what + " ("
                    + root.getClass().getSimpleName() + "): check fedmesh.trust.vault.address and that Vault is up", e);
        }
        String body = e.getMessage() == null ? "" : e.getMessage();
        int bodyAt = body.indexOf("Response body:");
        String errors = bodyAt < 0 ? "no error text"
                : VaultErrors.of(body.substring(bodyAt + "Response body:".length()).strip().getBytes(StandardCharsets.UTF_8));
        String hint = status == 400 || status == 403 ? ": check " + describeAuth() : "";
        return new VaultCallException(status, "Vault at " + settings.baseAddress() + " refused " + what + " (" + status + ": "
                + errors + ")" + hint, e);
    }

    private String describeAuth() {
        if (settings.auth() instanceof VaultAuth.AppRole role) {
            return "the AppRole role (auth/" + role.mount() + ", secret id from " + role.secretIdFile() + ")";
        }
        return "the token in " + ((VaultAuth.TokenFile) settings.auth()).file();
    }

    @Override
    public String toString() {
        return "VaultSession[" + settings.baseAddress() + ", " + settings.auth().getClass().getSimpleName() + "]";
    }
}
