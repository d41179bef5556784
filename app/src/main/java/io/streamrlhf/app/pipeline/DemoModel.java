package io.streamrlhf.app.pipeline;

import io.streamrlhf.trainer.config.TrainerKeys;
import io.streamrlhf.trainer.model.llama.ByteLlamaDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The demo's default model: a tiny Llama-architecture directory over the byte vocabulary ({@code config.json},
 * {@code model.safetensors}, {@code tokenizer.json}, {@code tokenizer_config.json}), written by
 * {@link ByteLlamaDirectory} under the data folder at first start and trained through the same code as any
 * {@code --model DIR}. Shaped by {@code trainer.model.layers} and {@code trainer.model.width} (four query heads over
 * two key/value heads, SwiGLU of three times the width); the defaults, two layers of width 128, give about 0.46 M
 * parameters, the size of the byte-level transformer it replaces, so the demo still learns within minutes on two
 * cores. Its weights are drawn as Hugging Face initialises a new model (normal, standard deviation 0.02); the
 * warm start then trains it whole into version 0.
 */
public final class DemoModel {

    /** The directory's name under {@code data.dir}. */
    public static final String DIR_NAME = "demo-tiny-llama";

    /** The least {@code max_position_embeddings}: room above the demo's 128-token rows. */
    static final int CONTEXT = 512;

    private static final double INIT_STD = 0.02;

    private DemoModel() {}

    /** Where the demo's model lives under {@code dataDir}. */
    public static Path directory(Path dataDir) {
        return dataDir.resolve(DIR_NAME);
    }

    /**
     * Writes the demo's model when {@code trainer.model.dir} names a directory called {@link #DIR_NAME} that has no
     * {@code config.json} yet (shaped by {@code trainer.model.layers} and {@code trainer.model.width}, seeded by
     * {@code trainer.model.seed}); leaves any other model directory alone. The
     * files go to a sibling folder first, renamed into place when complete, so a crash never leaves half a model.
     */
    public static void ensure(Map<String, String> props) {
        Path dir = TrainerKeys.MODEL_DIR.find(props).map(Path::of).orElse(null);
        if (dir == null
                || dir.getFileName() == null
                || !dir.getFileName().toString().equals(DIR_NAME)
                || Files.exists(dir.resolve("config.json"))) {
            return;
        }
        Path staging = dir.resolveSibling(DIR_NAME + ".partial");
        try {
            deleteTree(staging);
            ByteLlamaDirectory.write(
                    staging,
                    TrainerKeys.MODEL_LAYERS.get(props),
                    TrainerKeys.MODEL_WIDTH.get(props),
                    Math.max(CONTEXT, TrainerKeys.MODEL_CONTEXT.get(props)),
                    TrainerKeys.MODEL_SEED.get(props),
                    INIT_STD);
            deleteTree(dir);
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the demo's model to " + dir, e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
