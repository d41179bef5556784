package io.streamrlhf.producers.gateway;

import io.streamrlhf.producers.config.GatewayConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The gateway's server-side TLS context, from a keystore ({@code gateway.tls.keystore}, PKCS12 or JKS) or from PEM
 * files ({@code gateway.tls.certificate} with the chain, {@code gateway.tls.private.key} with an unencrypted PKCS#8
 * RSA, EC or Ed25519 key, as {@code openssl genpkey} or cert-manager write them). The JDK's defaults choose protocols
 * and cipher suites (TLS 1.2 and 1.3).
 */
final class GatewayTls {

    private GatewayTls() {}

    /** The context for {@code tls}, which must be enabled; fails naming the file that could not be used. */
    static SSLContext context(GatewayConfig.Tls tls) {
        try {
            KeyStore store;
            char[] password;
            if (!tls.keystore().isEmpty()) {
                password = tls.keystorePassword().toCharArray();
                store = KeyStore.getInstance(tls.keystoreType());
                try (InputStream in = Files.newInputStream(Path.of(tls.keystore()))) {
                    store.load(in, password);
                }
            } else {
                // An in-memory keystore holding the PEM key and chain; its password never leaves this method.
                password = new char[0];
                store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry(
                        "gateway",
                        privateKey(Path.of(tls.privateKey())),
                        password,
                        certificates(Path.of(tls.certificate())).toArray(Certificate[]::new));
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the gateway's TLS files (" + tls + ")", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "Cannot use the gateway's TLS files (" + tls + "): " + e.getMessage(), e);
        }
    }

    private static List<Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            List<Certificate> chain =
                    List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (chain.isEmpty()) {
                throw new GeneralSecurityException("no certificate in " + pem);
            }
            return chain;
        }
    }

    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN PRIVATE KEY-----";
        int from = text.indexOf(begin);
        int to = text.indexOf("-----END PRIVATE KEY-----");
        if (from < 0 || to < from) {
            throw new GeneralSecurityException(pem + " holds no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----); "
                    + "convert one with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem");
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new GeneralSecurityException(pem + " holds a key that is neither RSA, EC nor Ed25519");
    }
}
