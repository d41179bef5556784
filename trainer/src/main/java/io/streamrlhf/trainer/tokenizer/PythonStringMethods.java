package io.streamrlhf.trainer.tokenizer;

import java.beans.FeatureDescriptor;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's string methods and slicing for Jinjava, which otherwise resolves {@code s.startswith(x)} against
 * {@link String}'s Java methods: {@code startswith}, {@code endswith}, {@code strip}, {@code lstrip} and
 * {@code rstrip} do not exist there, and {@code split} exists with a regular expression where Python splits on
 * a literal separator. Chat templates use them on message contents, so a template renders as it does under
 * Python's Jinja2. Also {@code py_slice(start, stop, step)}, which {@link ChatTemplate} rewrites Python's
 * {@code x[a:b:c]} into, on strings, lists and arrays.
 */
final class PythonStringMethods extends ELResolver {

    /** The method name that slices rewrite to. */
    static final String SLICE = "py_slice";

    /** What a method this resolver does not know returns, to leave it to the next resolver. */
    private static final Object NOT_HANDLED = new Object();

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null || !(method instanceof String name)) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result;
        if (SLICE.equals(name)) {
            result = slice(base, args);
        } else if (base instanceof String s) {
            result = stringMethod(s, name, args);
        } else {
            return null;
        }
        if (result == NOT_HANDLED) {
            return null;
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static Object stringMethod(String s, String name, Object[] args) {
        return switch (name) {
            case "startswith" -> anyAffix(s, arg(args, 0), true);
            case "endswith" -> anyAffix(s, arg(args, 0), false);
            case "strip" -> strip(s, charsArg(args), true, true);
            case "lstrip" -> strip(s, charsArg(args), true, false);
            case "rstrip" -> strip(s, charsArg(args), false, true);
            case "split" -> split(s, args.length > 0 ? (String) args[0] : null, maxSplit(args));
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "replace" -> replace(s, args);
            default -> NOT_HANDLED;
        };
    }

    private static Object arg(Object[] args, int i) {
        if (args.length <= i) {
            throw new IllegalArgumentException("missing argument " + (i + 1));
        }
        return args[i];
    }

    private static String charsArg(Object[] args) {
        return args.length == 0 || args[0] == null ? null : args[0].toString();
    }

    private static int maxSplit(Object[] args) {
        return args.length > 1 && args[1] != null ? ((Number) args[1]).intValue() : -1;
    }

    /** Python's {@code startswith}/{@code endswith}: the affix may be a tuple (a list here) of alternatives. */
    private static boolean anyAffix(String s, Object affix, boolean prefix) {
        if (affix instanceof Iterable<?> options) {
            for (Object o : options) {
                if (prefix ? s.startsWith(o.toString()) : s.endsWith(o.toString())) {
                    return true;
                }
            }
            return false;
        }
        return prefix ? s.startsWith(affix.toString()) : s.endsWith(affix.toString());
    }

    /** Python's {@code str.isspace} for one character. */
    static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /** Python's {@code strip}: without {@code chars}, whitespace; else any character in {@code chars}. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && stripped(s.charAt(start), chars)) {
            start++;
        }
        while (right && end > start && stripped(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isPythonSpace(c) : chars.indexOf(c) >= 0;
    }

    /**
     * Python's {@code split}: on a literal separator keeping empty parts, or (no separator) on runs of whitespace
     * dropping empty parts; at most {@code maxSplit} splits when non-negative.
     */
    static List<String> split(String s, String sep, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isPythonSpace(s.charAt(i))) {
                    i++;
                }
                if (i == n) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(strip(s.substring(i), null, false, true));
                    return parts;
                }
                int j = i;
                while (j < n && !isPythonSpace(s.charAt(j))) {
                    j++;
                }
                parts.add(s.substring(i, j));
                i = j;
            }
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int from = 0;
        int at;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, from)) >= 0) {
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    private static String replace(String s, Object[] args) {
        String old = arg(args, 0).toString();
        String with = arg(args, 1).toString();
        int count = args.length > 2 && args[2] != null ? ((Number) args[2]).intValue() : -1;
        if (count < 0) {
            return s.replace(old, with);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        int at;
        int done = 0;
        while (done < count && (at = s.indexOf(old, from)) >= 0) {
            out.append(s, from, at).append(with);
            from = at + old.length();
            done++;
            if (old.isEmpty()) {
                if (from < s.length()) {
                    out.append(s.charAt(from));
                }
                from++;
                if (from > s.length()) {
                    return out.toString();
                }
            }
        }
        return out.append(s.substring(Math.min(from, s.length()))).toString();
    }

    /** Python's slice {@code base[start:stop:step]} with {@code None} for an omitted part. */
    static Object slice(Object base, Object[] args) {
        Integer start = index(args, 0);
        Integer stop = index(args, 1);
        Integer step = index(args, 2);
        int by = step == null ? 1 : step;
        if (by == 0) {
            throw new IllegalArgumentException("slice step cannot be zero");
        }
        if (base instanceof String s) {
            StringBuilder out = new StringBuilder();
            for (int i : indices(s.length(), start, stop, by)) {
                out.append(s.charAt(i));
            }
            return out.toString();
        }
        List<Object> items = asList(base);
        List<Object> out = new ArrayList<>();
        for (int i : indices(items.size(), start, stop, by)) {
            out.add(items.get(i));
        }
        return out;
    }

    private static Integer index(Object[] args, int i) {
        return args.length > i && args[i] != null ? ((Number) args[i]).intValue() : null;
    }

    private static List<Object> asList(Object base) {
        if (base instanceof List<?> list) {
            return Collections.unmodifiableList(list);
        }
        if (base.getClass().isArray()) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < Array.getLength(base); i++) {
                out.add(Array.get(base, i));
            }
            return out;
        }
        throw new IllegalArgumentException("cannot slice a " + base.getClass().getSimpleName());
    }

    /** The indices Python's {@code slice(start, stop, step).indices(length)} walks. */
    static List<Integer> indices(int length, Integer start, Integer stop, int step) {
        int lo;
        int hi;
        if (step > 0) {
            lo = start == null ? 0 : clamp(start, length, 0, length);
            hi = stop == null ? length : clamp(stop, length, 0, length);
        } else {
            lo = start == null ? length - 1 : clamp(start, length, -1, length - 1);
            hi = stop == null ? -1 : clamp(stop, length, -1, length - 1);
        }
        List<Integer> out = new ArrayList<>();
        for (int i = lo; step > 0 ? i < hi : i > hi; i += step) {
            out.add(i);
        }
        return out;
    }

    private static int clamp(int index, int length, int min, int max) {
        int i = index < 0 ? index + length : index;
        return Math.max(min, Math.min(max, i));
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // Properties are left to the resolvers after this one.
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
