package io.streamrlhf.trainer.publish;

import io.streamrlhf.avro.Provenance;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.TrainerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The provenance every version records: the effective trainer settings (secrets masked) and their hash, the code
 * version (project version and git commit, written into the trainer jar at build time), the base model and the data
 * sources (example topics and consumer group).
 */
public final class TrainingProvenance {

    /** Written by the build (see the trainer's pom): {@code version} and {@code commit}. */
    static final String BUILD_RESOURCE = "/io/streamrlhf/trainer/publish/build.properties";

    private TrainingProvenance() {}

    /** The provenance of versions trained with {@code config}. */
    public static Provenance of(TrainerConfig config) {
        Map<String, String> settings = new TreeMap<>(config.effectiveSettings());
        List<String> sources = new ArrayList<>();
        if (config.kto().enabled()) {
            sources.add("topic:" + config.topics().ktoExamples());
        }
        if (config.dpo().enabled()) {
            sources.add("topic:" + config.topics().dpoPairs());
        }
        sources.add("group:" + config.groupId());
        return Provenance.newBuilder()
                .setTrainingConfig(Map.copyOf(settings))
                .setTrainingConfigHash(hash(settings))
                .setCodeVersion(codeVersion())
                .setBaseModel(baseModel(config))
                .setDataSources(sources)
                .build();
    }

    /** Hex SHA-256 of the sorted {@code key=value} lines. */
    static String hash(Map<String, String> settings) {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(settings)
                .forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        return sha256(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** {@code <project version>+<git commit>}, the commit followed by {@code -dirty} for a modified tree. */
    public static String codeVersion() {
        Properties p = new Properties();
        try (InputStream in = TrainingProvenance.class.getResourceAsStream(BUILD_RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version", "unknown") + "+" + p.getProperty("commit", "unknown");
    }

    static String baseModel(TrainerConfig config) {
        if (config.hfModel().isPresent()) {
            Path dir = config.hfModel().get().modelDir();
            Path json = dir.resolve("config.json");
            String hash;
            try {
                hash = sha256(Files.readAllBytes(json));
            } catch (IOException e) {
                hash = "unreadable";
            }
            return "hf:" + dir.getFileName() + " config.json sha256=" + hash;
        }
        ModelConfig m = config.model();
        return "builtin demo (layers=" + m.layers() + ", width=" + m.width() + ", heads=" + m.heads() + ", context="
                + m.context() + ", seed=" + m.seed()
                + config.warmStartCorpus()
                        .map(c -> ", warm start " + c.getFileName())
                        .orElse("")
                + ")";
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
