package dev.fedmesh.trust.vault;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateBuilder;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import dev.fedmesh.trust.x509.RootCertificate;
import io.github.jopenlibs.vault.json.Json;
import io.github.jopenlibs.vault.json.JsonArray;
import io.github.jopenlibs.vault.json.JsonObject;
import io.github.jopenlibs.vault.json.JsonValue;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * A test double of the few Vault HTTP endpoints fedmesh calls, written from Vault's API documentation
 * (PKI secrets engine: sign-intermediate with the default issuer and with a selected one, generate
 * root on the multi-issuer API of Vault 1.11+, list issuers, read issuer; AppRole login). It is not
 * Vault: it checks what Vault would check for these calls (the X-Vault-Token header and the token's
 * policy, the namespace header, the AppRole login body, the paths and the parameters) and signs with
 * real root keys. As in Vault, a generated root does not become the mount's default issuer.
 */
final class VaultPkiDouble implements AutoCloseable {

    /** sign-intermediate's parameters as documented (Vault 1.19+); others are ignored with a warning, as Vault does. */
    private static final Set<String> SIGN_INTERMEDIATE_PARAMETERS = Set.of("csr", "common_name", "alt_names", "ip_sans",
            "uri_sans", "other_sans", "ttl", "format", "max_path_length", "key_usage", "exclude_cn_from_sans",
            "use_csr_values", "permitted_dns_domains", "excluded_dns_domains", "permitted_ip_ranges", "excluded_ip_ranges",
            "permitted_email_addresses", "excluded_email_addresses", "permitted_uri_domains", "excluded_uri_domains", "ou",
            "organization", "country", "locality", "province", "street_address", "postal_code", "serial_number",
            "not_before_duration", "not_after", "signature_bits", "skid", "use_pss", "issuer_ref");
    /** issuers/generate/root/:type's parameters as documented; others are ignored with a warning. */
    private static final Set<String> GENERATE_ROOT_PARAMETERS = Set.of("issuer_name", "key_name", "key_ref", "common_name",
            "alt_names", "ip_sans", "uri_sans", "other_sans", "ttl", "format", "private_key_format", "key_type", "key_bits",
            "max_path_length", "exclude_cn_from_sans", "permitted_dns_domains", "ou", "organization", "country", "locality",
            "province", "street_address", "postal_code", "serial_number", "not_before_duration", "not_after",
            "managed_key_name", "managed_key_id");
    /** Vault's rule for issuer names: word characters, dashes and dots, starting and ending with a word character. */
    private static final Pattern ISSUER_NAME = Pattern.compile("\\w(([\\w.-]+)?\\w)?");
    private static final Set<String> ADDED_IN_1_19 = Set.of("excluded_dns_domains", "permitted_ip_ranges",
            "excluded_ip_ranges", "permitted_email_addresses", "excluded_email_addresses", "permitted_uri_domains",
            "excluded_uri_domains");

    private final HttpServer server;
    private final String mount;
    private final String namespace;
    private final Map<String, KeyPair> issuerKeys = new LinkedHashMap<>();
    private final Map<String, X509Certificate> issuers = new LinkedHashMap<>();
    private final Map<String, String> issuerNames = new LinkedHashMap<>();
    /** Each issuer's chain above its own certificate (empty for a root). */
    private final Map<String, List<X509Certificate>> issuerParents = new LinkedHashMap<>();
    private volatile String defaultIssuerId;
    private final Map<String, Policy> tokens = new ConcurrentHashMap<>();
    private final Map<String, String> appRoleSecrets = new LinkedHashMap<>();
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private volatile JsonObject lastSignParameters;
    private volatile JsonObject lastGenerateRootParameters;
    private volatile boolean olderThan119;
    private volatile int leaseSeconds = 3600;
    private volatile int logins;
    private volatile int nextFailureStatus;
    private volatile String nextFailureError;

    private final String tlsCaPem;

    private VaultPkiDouble(String mount, String namespace, boolean tls) throws IOException {
        this.mount = mount;
        this.namespace = namespace;
        addRoot();
        InetSocketAddress local = new InetSocketAddress("127.0.0.1", 0);
        if (tls) {
            KeyPair caKeys = KeyType.EC_P256.generate();
            Instant now = Instant.now().minus(Duration.ofMinutes(1));
            X509Certificate ca = CertificateBuilder.forKey(caKeys.getPublic()).commonName("vault double TLS CA")
                    .validity(now, now.plus(Duration.ofDays(1))).ca(0).selfSigned(caKeys.getPrivate());
            KeyPair serverKeys = KeyType.EC_P256.generate();
            X509Certificate serverCertificate = CertificateBuilder.forKey(serverKeys.getPublic()).commonName("vault")
                    .validity(now, now.plus(Duration.ofHours(12))).ipSan(local.getAddress())
                    .keyUsage(KeyUsage.digitalSignature).extendedKeyUsage(KeyPurposeId.id_kp_serverAuth)
                    .signedBy(ca, caKeys.getPrivate());
            HttpsServer https = HttpsServer.create(local, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(serverContext(serverKeys, serverCertificate, ca)));
            server = https;
            tlsCaPem = Pem.write(ca);
        } else {
            server = HttpServer.create(local, 0);
            tlsCaPem = null;
        }
        server.createContext("/v1/", this::handle);
        server.start();
    }

    /** A double serving PKI mount {@code mount}, in Enterprise namespace {@code namespace} (null: none), over HTTP. */
    static VaultPkiDouble start(String mount, String namespace) throws IOException {
        return new VaultPkiDouble(mount, namespace, false);
    }

    /** The same over HTTPS, with a certificate for 127.0.0.1 signed by a CA of its own ({@link #tlsCaPem}). */
    static VaultPkiDouble startWithTls(String mount, String namespace) throws IOException {
        return new VaultPkiDouble(mount, namespace, true);
    }

    URI address() {
        return URI.create((tlsCaPem == null ? "http" : "https") + "://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The PEM of the CA that signed the HTTPS certificate. */
    String tlsCaPem() {
        return tlsCaPem;
    }

    private static SSLContext serverContext(KeyPair keys, X509Certificate certificate, X509Certificate ca) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = "double".toCharArray();
            store.setKeyEntry("vault", keys.getPrivate(), password, new Certificate[] {certificate, ca});
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the double's TLS context", e);
        }
    }

    /** What a token's policy allows of the authenticated calls. */
    private enum Policy {
        /** The policy docs/trust.md lists. */
        DOCUMENTED,
        /** The policy before root rotation: root/sign-intermediate only, neither generating roots nor issuer/+/sign-intermediate. */
        WITHOUT_ROTATION,
        /** None of the paths: a valid token of another policy. */
        NONE
    }

    /** A token whose policy allows the calls docs/trust.md lists. */
    String tokenWithPolicy() {
        return token(Policy.DOCUMENTED);
    }

    /** A valid token without the policy: Vault answers 403 permission denied on every authenticated call. */
    String tokenWithoutPolicy() {
        return token(Policy.NONE);
    }

    /** A token whose policy lacks the root rotation paths: 403 on generating roots and on issuer/+/sign-intermediate. */
    String tokenWithoutRotationPolicy() {
        return token(Policy.WITHOUT_ROTATION);
    }

    private String token(Policy policy) {
        String token = "hvs." + UUID.randomUUID();
        tokens.put(token, policy);
        return token;
    }

    void addAppRole(String roleId, String secretId) {
        appRoleSecrets.put(roleId, secretId);
    }

    void leaseSeconds(int seconds) {
        leaseSeconds = seconds;
    }

    /** Every token handed out so far stops working, as when a token's TTL ends. */
    void expireTokens() {
        tokens.clear();
    }

    /** Behaves as Vault before 1.19: sign-intermediate ignores permitted_uri_domains (and the other new constraints). */
    void behaveAsVaultBefore119() {
        olderThan119 = true;
    }

    /** The next authenticated call answers {@code status} with {@code error}, as Vault reports a refused request. */
    void failNextCall(int status, String error) {
        nextFailureError = error;
        nextFailureStatus = status;
    }

    /** A new root issuer beside the old one, made in Vault directly (not through fedmesh), as during a root rotation. */
    X509Certificate addRoot() {
        KeyPair keys = KeyType.EC_P256.generate();
        X509Certificate root = RootCertificate.selfSigned(keys, TrustDomain.of("acme.fedmesh.dev"),
                "acme root " + (issuers.size() + 1), Instant.now().minus(Duration.ofMinutes(1)), Duration.ofDays(3650));
        addIssuer(root, keys, "");
        return root;
    }

    /**
     * An intermediate issuer signed by the default root, with its chain, made the mount's default issuer: a mount
     * set up with "the chain to your own root imported".
     */
    X509Certificate useIntermediateAsDefault() {
        X509Certificate root = defaultRoot();
        KeyPair rootKeys;
        synchronized (issuers) {
            rootKeys = issuerKeys.get(defaultIssuerId);
        }
        KeyPair keys = KeyType.EC_P256.generate();
        Instant now = Instant.now().minus(Duration.ofMinutes(1));
        X509Certificate intermediate = CertificateBuilder.forKey(keys.getPublic()).commonName("acme vault intermediate")
                .validity(now, now.plus(Duration.ofDays(365))).uriSan(URI.create("spiffe://acme.fedmesh.dev")).ca(null)
                .signedBy(root, rootKeys.getPrivate());
        String id = addIssuer(intermediate, keys, "", List.of(root));
        synchronized (issuers) {
            defaultIssuerId = id;
        }
        return intermediate;
    }

    /** Makes the issuer whose certificate is {@code certificate} the mount's default (pki/config/issuers). */
    void makeDefault(X509Certificate certificate) {
        String id = issuerId(certificate);
        synchronized (issuers) {
            defaultIssuerId = id;
        }
    }

    private String addIssuer(X509Certificate root, KeyPair keys, String name) {
        return addIssuer(root, keys, name, List.of());
    }

    private String addIssuer(X509Certificate certificate, KeyPair keys, String name, List<X509Certificate> parents) {
        String id = UUID.randomUUID().toString();
        synchronized (issuers) {
            issuerKeys.put(id, keys);
            issuers.put(id, certificate);
            issuerNames.put(id, name);
            issuerParents.put(id, parents);
            if (defaultIssuerId == null) {
                defaultIssuerId = id;
            }
        }
        return id;
    }

    /** The certificate of the mount's default issuer: the first root, unless another issuer was made the default. */
    X509Certificate defaultRoot() {
        synchronized (issuers) {
            return issuers.get(defaultIssuerId);
        }
    }

    /** Vault's id of the issuer whose certificate is {@code root}. */
    String issuerId(X509Certificate root) {
        synchronized (issuers) {
            return issuers.entrySet().stream().filter(entry -> entry.getValue().equals(root)).map(Map.Entry::getKey)
                    .findFirst().orElseThrow();
        }
    }

    /** The name given to the issuer {@code id} ("" when none was). */
    String issuerName(String id) {
        synchronized (issuers) {
            return issuerNames.get(id);
        }
    }

    /** Every call as "METHOD /v1/path", in order. */
    List<String> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    JsonObject lastSignParameters() {
        return lastSignParameters;
    }

    JsonObject lastGenerateRootParameters() {
        return lastGenerateRootParameters;
    }

    int logins() {
        return logins;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            URI uri = exchange.getRequestURI();
            String path = uri.getPath();
            boolean list = "LIST".equals(method) || "list=true".equals(uri.getQuery());
            calls.add((list ? "LIST" : method) + " " + path);
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (namespace != null && !namespace.equals(exchange.getRequestHeaders().getFirst("X-Vault-Namespace"))) {
                respond(exchange, 404, errors("no handler for route \"" + path.substring(4) + "\". route entry not found."));
                return;
            }
            if (path.equals("/v1/auth/approle/login") && method.equals("POST")) {
                appRoleLogin(exchange, body);
                return;
            }
            String pki = "/v1/" + mount + "/";
            if (path.equals(pki + "issuers") && list) {
                listIssuers(exchange);
                return;
            }
            if (path.startsWith(pki + "issuer/") && path.endsWith("/json") && method.equals("GET")) {
                String reference = path.substring((pki + "issuer/").length(), path.length() - "/json".length());
                String id = resolveIssuer(reference);
                readIssuer(exchange, id == null ? reference : id);
                return;
            }
            if (path.equals(pki + "root/sign-intermediate") && method.equals("POST")) {
                if (allowed(exchange, Policy.WITHOUT_ROTATION)) {
                    signIntermediate(exchange, body, defaultIssuerId);
                }
                return;
            }
            if (path.startsWith(pki + "issuer/") && path.endsWith("/sign-intermediate") && method.equals("POST")) {
                String reference = path.substring((pki + "issuer/").length(), path.length() - "/sign-intermediate".length());
                if (allowed(exchange, Policy.DOCUMENTED)) {
                    String id = resolveIssuer(reference);
                    if (id == null) {
                        respond(exchange, 500, errors("unable to find PKI issuer for reference: " + reference));
                        return;
                    }
                    signIntermediate(exchange, body, id);
                }
                return;
            }
            if (path.equals(pki + "issuers/generate/root/internal") && method.equals("POST")) {
                if (allowed(exchange, Policy.DOCUMENTED)) {
                    generateRoot(exchange, body);
                }
                return;
            }
            respond(exchange, 404, errors("no handler for route \"" + path.substring(4) + "\". route entry not found."));
        } catch (RuntimeException e) {
            respond(exchange, 500, errors("double failed: " + e));
        }
    }

    /**
     * Whether the call's token is valid and its policy at least {@code needed} (DOCUMENTED allows everything,
     * WITHOUT_ROTATION the calls from before root rotation); otherwise answers 403 as Vault does.
     */
    private boolean allowed(HttpExchange exchange, Policy needed) throws IOException {
        String token = exchange.getRequestHeaders().getFirst("X-Vault-Token");
        Policy policy = token == null ? null : tokens.get(token);
        if (policy == null) {
            respond(exchange, 403, errors("permission denied", "invalid token"));
            return false;
        }
        if (policy == Policy.NONE || (policy == Policy.WITHOUT_ROTATION && needed == Policy.DOCUMENTED)) {
            respond(exchange, 403, errors("1 error occurred:\n\t* permission denied\n\n"));
            return false;
        }
        if (nextFailureStatus != 0) {
            int status = nextFailureStatus;
            nextFailureStatus = 0;
            respond(exchange, status, errors(nextFailureError));
            return false;
        }
        return true;
    }

    /** An issuer reference as Vault takes it: the issuer's id, its name, or "default"; null when there is none. */
    private String resolveIssuer(String reference) {
        synchronized (issuers) {
            if (reference.equals("default")) {
                return defaultIssuerId;
            }
            if (issuers.containsKey(reference)) {
                return reference;
            }
            return issuerNames.entrySet().stream().filter(entry -> !entry.getValue().isEmpty()
                    && entry.getValue().equals(reference)).map(Map.Entry::getKey).findFirst().orElse(null);
        }
    }

    /** issuers/generate/root/internal: a new self-signed root issuer with a key kept in the "mount". */
    private void generateRoot(HttpExchange exchange, String body) throws IOException {
        JsonObject parameters = Json.parse(body).asObject();
        lastGenerateRootParameters = parameters;
        List<String> ignored = new ArrayList<>();
        for (String name : parameters.names()) {
            if (!GENERATE_ROOT_PARAMETERS.contains(name)) {
                ignored.add(name);
            }
        }
        JsonValue commonName = parameters.get("common_name");
        if (commonName == null || commonName.asString().isBlank()) {
            respond(exchange, 400, errors("the common_name field is required"));
            return;
        }
        String issuerName = parameters.get("issuer_name") == null ? "" : parameters.get("issuer_name").asString().strip();
        if (!issuerName.isEmpty()) {
            if (issuerName.equalsIgnoreCase("default")) {
                respond(exchange, 400, errors("reserved keyword 'default' can not be used as issuer name"));
                return;
            }
            if (!ISSUER_NAME.matcher(issuerName).matches()) {
                respond(exchange, 400, errors("issuer name contained invalid characters"));
                return;
            }
            if (resolveIssuer(issuerName) != null) {
                respond(exchange, 400, errors("issuer name already in use"));
                return;
            }
        }
        String keyType = parameters.get("key_type") == null ? "rsa" : parameters.get("key_type").asString();
        int keyBits = parameters.get("key_bits") == null ? 0 : parameters.get("key_bits").asInt();
        KeyType type;
        if (keyType.equals("ec") && (keyBits == 0 || keyBits == 256)) {
            type = KeyType.EC_P256;
        } else if (keyType.equals("ec") && keyBits == 384) {
            type = KeyType.EC_P384;
        } else if (keyType.equals("rsa") && (keyBits == 0 || keyBits == 2048)) {
            type = KeyType.RSA;
        } else {
            respond(exchange, 400, errors("the double supports key_type ec with key_bits 256 or 384, and rsa with 2048;"
                    + " got " + keyType + " " + keyBits));
            return;
        }
        KeyPair keys = type.generate();
        Instant now = Instant.now();
        Duration ttl = ttl(parameters.get("ttl"));
        CertificateBuilder builder = CertificateBuilder.forKey(keys.getPublic()).commonName(commonName.asString())
                .validity(now.minusSeconds(30), now.plus(ttl)).ca(null);
        JsonValue uriSans = parameters.get("uri_sans");
        if (uriSans != null) {
            for (String uri : uriSans.asString().split(",")) {
                builder.uriSan(URI.create(uri.strip()));
            }
        }
        X509Certificate root = builder.selfSigned(keys.getPrivate());
        String id = addIssuer(root, keys, issuerName);
        String pem = Pem.write(root);
        JsonObject data = Json.object().add("expiration", String.valueOf(root.getNotAfter().toInstant().getEpochSecond()))
                .add("certificate", pem).add("issuing_ca", pem)
                .add("serial_number", root.getSerialNumber().toString(16)).add("issuer_id", id)
                .add("issuer_name", issuerName).add("key_id", UUID.randomUUID().toString()).add("key_name", "");
        JsonValue warnings = ignored.isEmpty() ? Json.NULL
                : Json.array("Endpoint ignored these unrecognized parameters: " + ignored);
        respond(exchange, 200, envelope(data, Json.NULL, warnings).toString());
    }

    private void appRoleLogin(HttpExchange exchange, String body) throws IOException {
        JsonObject request = Json.parse(body).asObject();
        JsonValue roleId = request.get("role_id");
        JsonValue secretId = request.get("secret_id");
        if (roleId == null || secretId == null || !secretId.asString().equals(appRoleSecrets.get(roleId.asString()))) {
            respond(exchange, 400, errors("invalid role or secret ID"));
            return;
        }
        logins++;
        String token = tokenWithPolicy();
        JsonObject auth = Json.object().add("client_token", token).add("accessor", UUID.randomUUID().toString())
                .add("policies", Json.array("default", "fedmesh-trust")).add("lease_duration", leaseSeconds)
                .add("renewable", true);
        respond(exchange, 200, envelope(Json.NULL, auth, Json.NULL).toString());
    }

    private void listIssuers(HttpExchange exchange) throws IOException {
        JsonArray keys = new JsonArray();
        JsonObject info = Json.object();
        synchronized (issuers) {
            for (String id : issuers.keySet()) {
                keys.add(id);
                info.add(id, Json.object().add("issuer_name", issuerNames.get(id)));
            }
        }
        respond(exchange, 200, envelope(Json.object().add("keys", keys).add("key_info", info), Json.NULL, Json.NULL).toString());
    }

    private void readIssuer(HttpExchange exchange, String id) throws IOException {
        X509Certificate issuer;
        synchronized (issuers) {
            issuer = issuers.get(id);
        }
        if (issuer == null) {
            respond(exchange, 500, errors("unable to find PKI issuer for reference: " + id));
            return;
        }
        respond(exchange, 200, envelope(Json.object().add("certificate", Pem.write(issuer)).add("ca_chain", chainOf(id))
                .add("revocation_time", 0), Json.NULL, Json.NULL).toString());
    }

    /** An issuer's ca_chain as Vault 1.11+ answers it: the issuer itself, then every parent up to the root. */
    private JsonArray chainOf(String id) {
        JsonArray chain = new JsonArray();
        synchronized (issuers) {
            chain.add(Pem.write(issuers.get(id)));
            for (X509Certificate parent : issuerParents.get(id)) {
                chain.add(Pem.write(parent));
            }
        }
        return chain;
    }

    private void signIntermediate(HttpExchange exchange, String body, String id) throws IOException {
        JsonObject parameters = Json.parse(body).asObject();
        lastSignParameters = parameters;
        List<String> ignored = new ArrayList<>();
        for (String name : parameters.names()) {
            if (!SIGN_INTERMEDIATE_PARAMETERS.contains(name) || (olderThan119 && ADDED_IN_1_19.contains(name))) {
                ignored.add(name);
            }
        }
        JsonValue csrText = parameters.get("csr");
        if (csrText == null || csrText.asString().isBlank()) {
            respond(exchange, 400, errors("\"csr\" is empty"));
            return;
        }
        JsonValue commonName = parameters.get("common_name");
        if (commonName == null || commonName.asString().isBlank()) {
            respond(exchange, 400, errors("the common_name field is required"));
            return;
        }
        CertificateRequest csr = CertificateRequest.parse(csrText.asString());
        int maxPathLength = parameters.get("max_path_length") == null ? -1 : parameters.get("max_path_length").asInt();
        Duration ttl = ttl(parameters.get("ttl"));
        X509Certificate issuer;
        KeyPair issuerKeyPair;
        synchronized (issuers) {
            issuer = issuers.get(id);
            issuerKeyPair = issuerKeys.get(id);
        }
        Instant now = Instant.now();
        CertificateBuilder builder = CertificateBuilder.forKey(csr.publicKey())
                .commonName(commonName.asString())
                .validity(now.minusSeconds(30), now.plus(ttl))
                .ca(maxPathLength < 0 ? null : maxPathLength);
        JsonValue uriSans = parameters.get("uri_sans");
        if (uriSans != null) {
            for (String uri : uriSans.asString().split(",")) {
                builder.uriSan(URI.create(uri.strip()));
            }
        }
        JsonValue permittedUri = parameters.get("permitted_uri_domains");
        if (permittedUri != null && !olderThan119) {
            for (String domain : permittedUri.asString().split(",")) {
                builder.permitUriHost(domain.strip());
            }
        }
        X509Certificate certificate = builder.signedBy(issuer, issuerKeyPair.getPrivate());
        JsonObject data = Json.object().add("certificate", Pem.write(certificate)).add("issuing_ca", Pem.write(issuer))
                .add("ca_chain", chainOf(id))
                .add("serial_number", certificate.getSerialNumber().toString(16))
                .add("expiration", certificate.getNotAfter().toInstant().getEpochSecond());
        JsonValue warnings = ignored.isEmpty() ? Json.NULL
                : Json.array("Endpoint ignored these unrecognized parameters: " + ignored);
        respond(exchange, 200, envelope(data, Json.NULL, warnings).toString());
    }

    /** Vault's duration parameters: a number of seconds, or a number with an s, m or h suffix. */
    private static Duration ttl(JsonValue value) {
        if (value == null) {
            return Duration.ofDays(30);
        }
        String text = value.isString() ? value.asString() : String.valueOf(value.asLong());
        char unit = text.charAt(text.length() - 1);
        if (Character.isDigit(unit)) {
            return Duration.ofSeconds(Long.parseLong(text));
        }
        long amount = Long.parseLong(text.substring(0, text.length() - 1));
        return switch (unit) {
            case 's' -> Duration.ofSeconds(amount);
            case 'm' -> Duration.ofMinutes(amount);
            case 'h' -> Duration.ofHours(amount);
            default -> throw new IllegalArgumentException("ttl " + text);
        };
    }

    /** Vault's response envelope, as every successful call returns it. */
    private static JsonObject envelope(JsonValue data, JsonValue auth, JsonValue warnings) {
        return Json.object().add("request_id", UUID.randomUUID().toString()).add("lease_id", "").add("renewable", false)
                .add("lease_duration", 0).add("data", data).add("wrap_info", Json.NULL).add("warnings", warnings)
                .add("auth", auth);
    }

    private static String errors(String... errors) {
        return Json.object().add("errors", Json.array(errors)).toString();
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
