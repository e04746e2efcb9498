package dev.fedmesh.distributor.outbox;

import com.sun.net.httpserver.HttpServer;
import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.vault.VaultPkiCertificateAuthority;
import dev.fedmesh.trust.vault.VaultSettings;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Vault whose every answer is {@code 500 {"errors":["internal error"]}}, as Vault answers when its
 * storage back end fails, reached through fedmesh's real Vault PKI adapter: the CA of a tenant
 * whose roots cannot be had. (Vault itself cannot run here; this is the failure's HTTP exchange.)
 */
final class BrokenVault implements AutoCloseable {
    private final HttpServer server;
    private final AtomicInteger calls = new AtomicInteger();
    private final Path tokenFile;

    BrokenVault() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            calls.incrementAndGet();
            byte[] body = "{\"errors\":[\"internal error\"]}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(500, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        tokenFile = Files.createTempFile("fedmesh-vault-token", "");
        Files.writeString(tokenFile, "hvs.test-token-never-shown");
    }

    /** fedmesh's Vault PKI CA pointed at this Vault. */
    CertificateAuthority ca() {
        return new VaultPkiCertificateAuthority(VaultSettings.fromProperties(Map.of(
                VaultSettings.PREFIX + "address", "http://127.0.0.1:" + server.getAddress().getPort(),
                VaultSettings.PREFIX + "auth.token-file", tokenFile.toString(),
                VaultSettings.PREFIX + "timeout", "PT5S")), Clock.systemUTC());
    }

    /** How many requests it has answered. */
    int calls() {
        return calls.get();
    }

    @Override
    public void close() throws IOException {
        server.stop(0);
        Files.deleteIfExists(tokenFile);
    }
}
