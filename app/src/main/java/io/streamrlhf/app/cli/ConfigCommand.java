package io.streamrlhf.app.cli;

import io.streamrlhf.app.config.KnownSettings;
import io.streamrlhf.config.KeyCatalog;
import io.streamrlhf.config.Secrets;
import io.streamrlhf.config.Setting;
import io.streamrlhf.config.Settings;
import java.io.PrintWriter;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf config}: every effective setting, its value and where the value came from (default, the
 * {@code --config} file, an environment variable or {@code --set}), secrets masked.
 */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Print every effective setting with its source (secrets masked).")
public final class ConfigCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        effective(options.settings()).forEach((key, line) -> out.println(line));
        out.flush();
        return 0;
    }

    /** One line per key, sorted: {@code key = value  (source)}; keys without value or default show {@code (unset)}. */
    static Map<String, String> effective(Settings settings) {
        KeyCatalog catalog = KnownSettings.catalog();
        Map<String, String> lines = new TreeMap<>();
        for (Setting<?> s : catalog.settings()) {
            if (!s.isFamily()) {
                String shown = s.isDefaultDescribed()
                        ? s.defaultValue().map(String::valueOf).orElse("")
                        : s.defaultText();
                lines.put(
                        s.name(),
                        s.isDefaultDescribed() && shown.isEmpty()
                                ? s.name() + " =  (unset: " + s.defaultText() + ")"
                                : line(s.name(), shown, "default", s.isSecret()));
            }
        }
        settings.values()
                .forEach(
                        (key, value) -> lines.put(key, line(key, value.text(), value.source(), catalog.isSecret(key))));
        return lines;
    }

    private static String line(String key, String value, String source, boolean secret) {
        if (value == null || value.isEmpty()) {
            return key + " = " + " (unset)";
        }
        return key + " = " + (secret ? Secrets.MASK : value) + "  (" + source + ")";
    }
}
