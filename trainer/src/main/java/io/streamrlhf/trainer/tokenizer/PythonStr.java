package io.streamrlhf.trainer.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.lang.reflect.Array;
import java.util.Map;

/**
 * Python's {@code str()} of a printed value, which {@link ChatTemplate} applies to every {@code {{ ... }}}:
 * Jinjava prints {@code true} and {@code [a, 1]} where Jinja2 prints {@code True} and {@code ['a', 1]}. One case
 * keeps Jinjava's behaviour on purpose: a null prints as nothing, since Jinjava cannot tell {@code none} from an
 * undefined variable, which Jinja2 also prints as nothing.
 */
final class PythonStr implements Filter {

    static final String NAME = "py_str";

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        if (var == null || var instanceof CharSequence) {
            return var;
        }
        return str(var);
    }

    static String str(Object value) {
        if (value instanceof CharSequence s) {
            return s.toString();
        }
        return repr(value);
    }

    static String repr(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (value instanceof CharSequence s) {
            return quote(s.toString());
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 1e16 ? (long) d + ".0" : value.toString();
        }
        if (value instanceof Map<?, ?> map) {
            StringBuilder out = new StringBuilder("{");
            int i = 0;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(i++ > 0 ? ", " : "")
                        .append(repr(e.getKey()))
                        .append(": ")
                        .append(repr(e.getValue()));
            }
            return out.append('}').toString();
        }
        if (value instanceof Iterable<?> items) {
            StringBuilder out = new StringBuilder("[");
            int i = 0;
            for (Object item : items) {
                out.append(i++ > 0 ? ", " : "").append(repr(item));
            }
            return out.append(']').toString();
        }
        if (value.getClass().isArray()) {
            StringBuilder out = new StringBuilder("[");
            for (int i = 0; i < Array.getLength(value); i++) {
                out.append(i > 0 ? ", " : "").append(repr(Array.get(value, i)));
            }
            return out.append(']').toString();
        }
        return value.toString();
    }

    /** Python's {@code repr} of a string: single quotes unless it holds one and no double quote. */
    private static String quote(String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(q);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == q) {
                        out.append('\\');
                    }
                    out.append(c);
                }
            }
        }
        return out.append(q).toString();
    }
}
