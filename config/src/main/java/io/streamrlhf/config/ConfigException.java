package io.streamrlhf.config;

/**
 * A missing, malformed or unknown setting. The message is one line a user can act on: the key, the bad value
 * (masked when the key holds a secret), what was expected, and how to set it.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * @param key the setting at fault
     * @param message what is wrong and what is expected, without the "how to set it" hint (added here)
     */
    public ConfigException(String key, String message) {
        this(key, message, true);
    }

    /**
     * @param key the setting at fault
     * @param message the whole message
     * @param addHowToSet whether to append how to set {@code key}
     */
    public ConfigException(String key, String message, boolean addHowToSet) {
        super(addHowToSet ? message + " (" + howToSet(key) + ")" : message);
        this.key = key;
    }

    /** A value that does not parse or validate: names the key, the value and the expected form. */
    public static ConfigException badValue(String key, String value, String expected) {
        String shown = Secrets.isSecret(key) ? Secrets.MASK : value;
        return new ConfigException(key, "Setting " + key + "='" + shown + "' is not valid: expected " + expected);
    }

    /** A required setting nobody set. */
    public static ConfigException missing(String key, String meaning) {
        return new ConfigException(key, "Setting " + key + " is missing: " + meaning);
    }

    /** The setting at fault. */
    public String key() {
        return key;
    }

    /** {@code set it with --set a.b=... or STREAMRLHF_A_B=...}. */
    static String howToSet(String key) {
        return "set it with --set " + key + "=... or " + Settings.envName(key) + "=..., or in the --config file";
    }
}
