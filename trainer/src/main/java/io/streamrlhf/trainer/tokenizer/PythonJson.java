package io.streamrlhf.trainer.tokenizer;

import java.lang.reflect.Array;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=indent)}: {@code ", "} and {@code ": "} between items
 * (or {@code ","} and newlines with an indent), keys in insertion order, non-ASCII characters written as they are.
 */
final class PythonJson {

    private PythonJson() {}

    static String dumps(Object value, Integer indent) {
        StringBuilder out = new StringBuilder();
        write(out, value, indent, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, Integer indent, int depth) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Integer
                || value instanceof Long
                || value instanceof Short
                || value instanceof Byte) {
            out.append(value);
        } else if (value instanceof Number n) {
            double d = n.doubleValue();
            out.append(
                    d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16 ? (long) d + ".0" : n.toString());
        } else if (value instanceof CharSequence s) {
            string(out, s.toString());
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            int i = 0;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                separate(out, i++, indent, depth + 1);
                string(out, String.valueOf(e.getKey()));
                out.append(": ");
                write(out, e.getValue(), indent, depth + 1);
            }
            close(out, '}', map.isEmpty(), indent, depth);
        } else if (value instanceof Iterable<?> items) {
            int i = 0;
            out.append('[');
            for (Object item : items) {
                separate(out, i++, indent, depth + 1);
                write(out, item, indent, depth + 1);
            }
            close(out, ']', i == 0, indent, depth);
        } else if (value.getClass().isArray()) {
            int length = Array.getLength(value);
            out.append('[');
            for (int i = 0; i < length; i++) {
                separate(out, i, indent, depth + 1);
                write(out, Array.get(value, i), indent, depth + 1);
            }
            close(out, ']', length == 0, indent, depth);
        } else {
            string(out, value.toString());
        }
    }

    private static void separate(StringBuilder out, int index, Integer indent, int depth) {
        if (indent == null) {
            if (index > 0) {
                out.append(", ");
            }
        } else {
            out.append(index > 0 ? ",\n" : "\n").append(" ".repeat(indent * depth));
        }
    }

    private static void close(StringBuilder out, char bracket, boolean empty, Integer indent, int depth) {
        if (indent != null && !empty) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
        out.append(bracket);
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
