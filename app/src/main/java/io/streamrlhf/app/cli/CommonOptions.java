package io.streamrlhf.app.cli;

import io.streamrlhf.app.config.KnownSettings;
import io.streamrlhf.config.Settings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every subcommand shares: a config file and {@code --set key=value} overrides. */
public final class CommonOptions {

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file with settings.")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one setting (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    /**
     * Defaults, then the config file, then STREAMRLHF_* environment variables, then --set; every key checked
     * against the known ones (a typo fails with the closest known key) and every known value parsed.
     *
     * @throws io.streamrlhf.config.ConfigException naming the first bad key
     */
    public Settings settings() {
        Settings settings = Settings.load(configFile, System.getenv(), overrides);
        KnownSettings.catalog().check(settings);
        return settings;
    }
}
