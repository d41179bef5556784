package io.streamrlhf.producers.gateway;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict percent-decoding of a path segment or a query part: {@code %XX} escapes must be two hex digits and the
 * bytes they make valid UTF-8. {@link java.net.URLDecoder} turns invalid UTF-8 into U+FFFD without a word, so
 * {@code /v1/users/%FF} would name a user called "\uFFFD"; here it is refused, and the caller answers 400.
 */
final class PercentDecoding {

    private PercentDecoding() {}

    /**
     * Decodes {@code encoded}; {@code plusIsSpace} for a query ({@code application/x-www-form-urlencoded}), not
     * for a path, where {@code +} is itself.
     *
     * @throws IllegalArgumentException naming what is wrong (never echoing the text)
     */
    static String decode(String encoded, boolean plusIsSpace) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        int i = 0;
        while (i < encoded.length()) {
            int c = encoded.codePointAt(i);
            if (c == '%') {
                if (i + 2 >= encoded.length()) {
                    throw new IllegalArgumentException("a '%' not followed by two hex digits");
                }
                int hi = Character.digit(encoded.charAt(i + 1), 16);
                int lo = Character.digit(encoded.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("a '%' not followed by two hex digits");
                }
                bytes.write(hi * 16 + lo);
                i += 3;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
                i++;
            } else {
                if (Character.isSurrogate((char) c)) {
                    throw new IllegalArgumentException("a lone surrogate character");
                }
                byte[] utf8 = new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8);
                bytes.write(utf8, 0, utf8.length);
                i += Character.charCount(c);
            }
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("escapes that are not valid UTF-8", e);
        }
    }
}
