package io.streamrlhf.schemas.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The certificates a {@link RestSchemaRegistryClient} trusts for an {@code https://} registry, instead of the
 * JDK's default authorities (a registry with a private authority, such as the secured local stack's).
 *
 * @param location the truststore file
 * @param password its password; never printed by {@link #toString()}
 * @param type its type, {@code PKCS12} or {@code JKS}
 */
public record RegistryTruststore(Path location, String password, String type) {

    public RegistryTruststore {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(type, "type");
    }

    /** A TLS context that trusts exactly this store's certificates. */
    public SSLContext sslContext() {
        try (InputStream in = Files.newInputStream(location)) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, password.toCharArray());
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the schema registry truststore " + location, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "Cannot use the schema registry truststore " + location + " (type " + type + "): " + e, e);
        }
    }

    @Override
    public String toString() {
        return "RegistryTruststore[" + location + ", " + type + "]";
    }
}
