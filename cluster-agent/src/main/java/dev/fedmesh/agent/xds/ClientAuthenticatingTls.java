package dev.fedmesh.agent.xds;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for the xDS listener that requires every client to present a certificate chaining to the
 * client CA, from the files of {@link XdsServerTls}, read again every minute: a certificate
 * rotated in place (e.g. by cert-manager) is served to new connections without a restart, and
 * files caught half-written are ignored until they read whole.
 */
final class ClientAuthenticatingTls implements AutoCloseable {

    /** How often the files are read again. */
    static final Duration RELOAD_INTERVAL = Duration.ofMinutes(1);

    private static final Logger LOG = LoggerFactory.getLogger(ClientAuthenticatingTls.class);

    private final XdsServerTls files;
    private final AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
    private final AdvancedTlsX509TrustManager trustManager;
    private final ScheduledExecutorService reloads;
    private XdsServerTls.Material loaded;

    private ClientAuthenticatingTls(XdsServerTls files) throws GeneralSecurityException {
        this.files = files;
        // A client is checked against the CA only: it connects from anywhere, by no name of its own.
        this.trustManager = AdvancedTlsX509TrustManager.newBuilder()
                .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
                .build();
        this.reloads = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fedmesh-xds-tls-reload");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Reads the files now (throwing {@link XdsServerTls.InvalidTlsFileException} naming the setting
     * when one cannot be used) and again every {@link #RELOAD_INTERVAL}.
     */
    static ClientAuthenticatingTls start(XdsServerTls files) {
        ClientAuthenticatingTls tls;
        try {
            tls = new ClientAuthenticatingTls(files);
            tls.use(files.read());
        } catch (GeneralSecurityException | IOException e) {
            throw new XdsServerTls.InvalidTlsFileException("Invalid setting " + XdsServerTls.CERTIFICATE_PROPERTY
                    + " / " + XdsServerTls.CLIENT_CA_PROPERTY + ": the certificates in " + files.certificateFile()
                    + " and " + files.clientCaFile() + " cannot be used for TLS (" + e.getMessage() + ")");
        }
        tls.reloads.scheduleWithFixedDelay(tls::reload, RELOAD_INTERVAL.toMillis(), RELOAD_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        return tls;
    }

    /** Server credentials requiring a client certificate, from the files as last read. */
    ServerCredentials credentials() {
        return TlsServerCredentials.newBuilder()
                .keyManager(keyManager)
                .trustManager(trustManager)
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                .build();
    }

    private synchronized void use(XdsServerTls.Material material) throws GeneralSecurityException, IOException {
        keyManager.updateIdentityCredentials(material.chain().toArray(X509Certificate[]::new), material.key());
        trustManager.updateTrustCredentials(material.clientCas().toArray(X509Certificate[]::new));
        loaded = material;
    }

    /** Reads the files again, using what they hold when it differs from what is used and reads whole. */
    synchronized void reload() {
        try {
            XdsServerTls.Material now = files.read();
            if (now.chain().equals(loaded.chain()) && now.key().equals(loaded.key())
                    && now.clientCas().equals(loaded.clientCas())) {
                return;
            }
            use(now);
            LOG.info("xDS TLS files read again: serving certificate {} (valid until {}), accepting clients of {}"
                            + " CA certificate(s) from {}", now.chain().get(0).getSubjectX500Principal(),
                    now.chain().get(0).getNotAfter().toInstant(), now.clientCas().size(), files.clientCaFile());
        } catch (RuntimeException | GeneralSecurityException | IOException e) {
            LOG.warn("xDS TLS files cannot be read again ({}); new connections keep the certificates read before,"
                    + " and the files are read again in {} s", e.getMessage(), RELOAD_INTERVAL.toSeconds());
        }
    }

    @Override
    public void close() {
        reloads.shutdownNow();
    }
}
