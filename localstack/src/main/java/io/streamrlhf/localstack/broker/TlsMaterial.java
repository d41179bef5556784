package io.streamrlhf.localstack.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TLS files of the secured embedded broker: a private certificate authority, a server certificate it signs for
 * {@code 127.0.0.1} and {@code localhost}, a PKCS12 keystore with that certificate and its key, and a PKCS12
 * truststore with the authority alone, which clients use to check the broker. Made with Bouncy Castle's builder
 * and the JDK's own RSA keys; the CA's key is not kept, so nothing else can ever be signed with it.
 *
 * @param keystore the broker's keystore (PKCS12)
 * @param truststore the clients' truststore (PKCS12, the CA certificate only)
 * @param keystorePassword password of the keystore and of its key
 * @param truststorePassword password of the truststore
 */
public record TlsMaterial(Path keystore, Path truststore, String keystorePassword, String truststorePassword) {

    private static final Duration VALIDITY = Duration.ofDays(365);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Makes a new authority and broker certificate and writes {@code broker.keystore.p12} and
     * {@code truststore.p12} into {@code dir} (readable by the owner only where the file system allows).
     */
    public static TlsMaterial generate(Path dir, String keystorePassword, String truststorePassword) {
        return generate(dir, keystorePassword, truststorePassword, Map.of());
    }

    /**
     * As {@link #generate(Path, String, String)}, and a client certificate for each of {@code clients} (user name
     * to keystore password), signed by the same authority with the user name as its only subject part
     * ({@code CN=<user>}), each in its own PKCS12 keystore ({@link #clientKeystore(String)}). The authority's key
     * is not kept, so every client certificate is made here, in one go: a client added later needs all of them
     * made again.
     */
    public static TlsMaterial generate(
            Path dir, String keystorePassword, String truststorePassword, Map<String, String> clients) {
        try {
            Files.createDirectories(dir);
            KeyPair caKeys = rsa();
            X500Name caName =
                    new X500Name("CN=StreamRLHF local CA " + Instant.now().getEpochSecond());
            X509Certificate ca = sign(caName, caName, caKeys, caKeys, builder -> {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            });
            KeyPair brokerKeys = rsa();
            X509Certificate broker = sign(caName, new X500Name("CN=localhost"), caKeys, brokerKeys, builder -> {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                builder.addExtension(
                        Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                    KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                }));
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.dNSName, "localhost")
                }));
            });
            Path keystore = dir.resolve("broker.keystore.p12");
            Path truststore = dir.resolve("truststore.p12");
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry(
                    "broker", brokerKeys.getPrivate(), keystorePassword.toCharArray(), new Certificate[] {broker, ca});
            write(keys, keystore, keystorePassword);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("streamrlhf-ca", ca);
            write(trust, truststore, truststorePassword);
            for (Map.Entry<String, String> client : clients.entrySet()) {
                KeyPair clientKeys = rsa();
                X509Certificate cert =
                        sign(caName, new X500Name("CN=" + client.getKey()), caKeys, clientKeys, builder -> {
                            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                            builder.addExtension(
                                    Extension.extendedKeyUsage,
                                    false,
                                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}));
                        });
                KeyStore clientStore = KeyStore.getInstance("PKCS12");
                clientStore.load(null, null);
                clientStore.setKeyEntry(
                        client.getKey(),
                        clientKeys.getPrivate(),
                        client.getValue().toCharArray(),
                        new Certificate[] {cert, ca});
                write(clientStore, clientKeystore(dir, client.getKey()), client.getValue());
            }
            return new TlsMaterial(keystore, truststore, keystorePassword, truststorePassword);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the broker's TLS files into " + dir, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("Cannot make the broker's TLS certificates", e);
        }
    }

    /** The keystore of {@code user}'s client certificate, next to the broker's keystore. */
    public Path clientKeystore(String user) {
        return clientKeystore(keystore.toAbsolutePath().getParent(), user);
    }

    private static Path clientKeystore(Path dir, String user) {
        return dir.resolve("client-" + user + ".keystore.p12");
    }

    /** Whether both files exist (so that a restarted broker keeps the certificate its clients trust). */
    public boolean present() {
        return Files.isRegularFile(keystore) && Files.isRegularFile(truststore);
    }

    private interface Extensions {
        void add(X509v3CertificateBuilder builder) throws IOException;
    }

    private static X509Certificate sign(
            X500Name issuer, X500Name subject, KeyPair issuerKeys, KeyPair subjectKeys, Extensions extensions)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                issuer,
                new BigInteger(64, RANDOM).abs().add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(VALIDITY)),
                subject,
                subjectKeys.getPublic());
        JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
        builder.addExtension(
                Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKeys.getPublic()));
        builder.addExtension(
                Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
        extensions.add(builder);
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withRSA").build(issuerKeys.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, RANDOM);
        return generator.generateKeyPair();
    }

    private static void write(KeyStore store, Path file, String password) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
        OwnerOnly.restrict(file);
    }
}
