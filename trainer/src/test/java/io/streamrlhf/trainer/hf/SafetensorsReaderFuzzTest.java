package io.streamrlhf.trainer.hf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;

/**
 * The safetensors reader over arbitrary file contents: it opens the file and reads every tensor as floats,
 * or refuses with a {@link SafetensorsException}; any other exception (or an out-of-memory error) is a bug.
 * Regression inputs: {@code src/test/resources/io/streamrlhf/trainer/hf/SafetensorsReaderFuzzTestInputs}.
 */
class SafetensorsReaderFuzzTest {

    /** One file per JVM, rewritten for each input: fuzzing runs many thousands of inputs. */
    private static final Path FILE;

    static {
        try {
            FILE = Files.createTempFile("fuzz-", ".safetensors");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void deleteFile() throws IOException {
        Files.deleteIfExists(FILE);
    }

    @FuzzTest(maxDuration = "3m")
    void readsEveryTensorOrRefusesWithASafetensorsException(byte[] contents) throws IOException {
        Files.write(FILE, contents);
        try (SafetensorsReader reader = SafetensorsReader.open(FILE)) {
            for (String name : reader.tensors().keySet()) {
                try {
                    reader.readFloats(name);
                } catch (SafetensorsException expected) {
                    // an integer tensor, for example
                }
            }
            reader.metadata();
        } catch (SafetensorsException expected) {
            // the documented refusal
        }
    }
}
