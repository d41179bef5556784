package io.streamrlhf.app.cli;

import io.streamrlhf.app.config.Settings;
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

    /** Defaults, then the config file, then STREAMRLHF_* environment variables, then --set. */
    public Settings settings() {
        return Settings.load(configFile, System.getenv(), overrides);
    }
}
