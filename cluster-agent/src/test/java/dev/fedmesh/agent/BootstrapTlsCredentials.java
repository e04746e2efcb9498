package dev.fedmesh.agent;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.xds.XdsCredentialsProvider;
import java.io.File;
import java.io.IOException;
import java.util.Map;

/**
 * A {@code "tls"} {@code channel_creds} entry of an xDS bootstrap as gRFC A65 defines it: TLS to the
 * xDS server, trusting {@code ca_certificate_file}, presenting {@code certificate_file} and
 * {@code private_key_file} as the client's certificate. grpc-java 1.85 parses the entry but ignores
 * its config (system roots, no client certificate; grpc/grpc-java#12255 implements A65 and is not
 * merged), so proxyless Java clients of an agent listening beyond loopback need this provider, or
 * its like, until it is. It is found the way grpc-java finds its own (a {@code META-INF/services}
 * entry, here in the test resources) and wins over grpc-java's {@code "tls"} provider by its
 * priority; the xDS client, its bootstrap parsing and its ADS stream are grpc-java's.
 */
public final class BootstrapTlsCredentials extends XdsCredentialsProvider {

    @Override
    protected ChannelCredentials newChannelCredentials(Map<String, ?> config) {
        TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder();
        try {
            if (config != null && config.get("ca_certificate_file") instanceof String ca) {
                credentials.trustManager(new File(ca));
            }
            if (config != null && config.get("certificate_file") instanceof String certificate
                    && config.get("private_key_file") instanceof String key) {
                credentials.keyManager(new File(certificate), new File(key));
            }
        } catch (IOException e) {
            // A bootstrap naming files that cannot be read has no usable credentials: grpc-java then refuses it.
            return null;
        }
        return credentials.build();
    }

    @Override
    protected String getName() {
        return "tls";
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public int priority() {
        // grpc-java's own "tls" provider has 5; the registry uses the highest.
        return 10;
    }
}
