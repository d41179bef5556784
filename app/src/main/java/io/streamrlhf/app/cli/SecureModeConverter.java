package io.streamrlhf.app.cli;

import io.streamrlhf.localstack.broker.BrokerSecurity;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code --secure[=sasl|mtls]}: {@code sasl} (SCRAM-SHA-512 over TLS, the default) or {@code mtls}. */
final class SecureModeConverter implements ITypeConverter<BrokerSecurity.Mode> {

    @Override
    public BrokerSecurity.Mode convert(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "sasl", "sasl_ssl", "scram" -> BrokerSecurity.Mode.SASL_SSL;
            case "mtls" -> BrokerSecurity.Mode.MTLS;
            default ->
                throw new TypeConversionException(
                        "'" + value + "' is not a security mode: use --secure (SASL_SSL with SCRAM) or --secure=mtls");
        };
    }
}
