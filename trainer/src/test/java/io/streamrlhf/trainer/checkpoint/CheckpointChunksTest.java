package io.streamrlhf.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.avro.CheckpointChunk;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CheckpointChunksTest {

    private static final String SOURCE = "kafka://t/policy/3";
    private static final long BOUND = 1 << 20;

    @Test
    void filesOfEverySizeAroundTheChunkSizeComeBackByteForByte() throws Exception {
        // given files of 0, 1, 9, 10, 11 and 35 bytes, chunked by 10
        SortedMap<String, byte[]> files = new TreeMap<>();
        int[] sizes = {0, 1, 9, 10, 11, 35};
        Random random = new Random(7);
        for (int size : sizes) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            files.put("f" + size, bytes);
        }

        // when
        List<CheckpointChunk> chunks = CheckpointChunks.split("policy", 3, files, 10);
        List<CheckpointChunk> shuffled = new ArrayList<>(chunks);
        java.util.Collections.shuffle(shuffled, random);
        SortedMap<String, byte[]> back = CheckpointChunks.assemble(SOURCE, "policy", 3, shuffled, BOUND);

        // then: ceil(size / 10) chunks a file, one for the empty file, and the same bytes
        assertThat(chunks).hasSize(1 + 1 + 1 + 1 + 2 + 4);
        assertThat(chunks).allSatisfy(c -> assertThat(c.getData().remaining()).isLessThanOrEqualTo(10));
        assertThat(back.keySet()).containsExactlyElementsOf(files.keySet());
        files.forEach((name, bytes) -> assertThat(back.get(name)).as(name).isEqualTo(bytes));
    }

    @Test
    void aMissingChunkIsRefusedAsIncomplete() {
        List<CheckpointChunk> chunks = chunks();
        chunks.remove(1);
        assertIncomplete(chunks, "2 of its 3 chunks");
    }

    @Test
    void aChunkDisagreeingAboutTheCountIsRefused() {
        List<CheckpointChunk> chunks = chunks();
        chunks.set(2, CheckpointChunk.newBuilder(chunks.get(2)).setChunkCount(4).build());
        assertIncomplete(chunks, "disagree");
    }

    @Test
    void aDuplicatedIndexIsRefusedEvenWhenTheCountAddsUp() {
        // given chunks 0, 1, 1 of a three-chunk file: three chunks, but one twice and one missing
        List<CheckpointChunk> chunks = chunks();
        chunks.set(2, CheckpointChunk.newBuilder(chunks.get(1)).build());
        assertIncomplete(chunks, "chunk 1 twice");
    }

    @Test
    void anExtraChunkBeyondTheCountIsRefused() {
        List<CheckpointChunk> chunks = chunks();
        chunks.add(CheckpointChunk.newBuilder(chunks.get(0)).setChunkIndex(3).build());
        assertIncomplete(chunks, "index 3 of 3");
    }

    @Test
    void bytesThatDoNotSumToTheDeclaredSizeAreRefused() {
        List<CheckpointChunk> chunks = chunks();
        chunks.set(
                0,
                CheckpointChunk.newBuilder(chunks.get(0))
                        .setData(ByteBuffer.wrap(new byte[3]))
                        .build());
        assertIncomplete(chunks, "declare 25");
    }

    @Test
    void bytesThatDoNotHashToTheDeclaredSha256AreCorrupt() {
        // given the middle chunk's bytes changed, its length kept
        List<CheckpointChunk> chunks = chunks();
        byte[] tampered = new byte[10];
        chunks.set(
                1,
                CheckpointChunk.newBuilder(chunks.get(1))
                        .setData(ByteBuffer.wrap(tampered))
                        .build());

        assertThatThrownBy(() -> CheckpointChunks.assemble(SOURCE, "policy", 3, chunks, BOUND))
                .isInstanceOf(CorruptCheckpointException.class)
                .hasMessageContaining("sha256");
    }

    @Test
    void aFileDeclaringMoreThanTheBoundIsRefusedBeforeAssembly() {
        // given one small chunk that declares a 2 GiB file
        CheckpointChunk hostile = CheckpointChunk.newBuilder(chunks().get(0))
                .setChunkCount(1)
                .setFileSize(2L << 30)
                .build();

        assertThatThrownBy(() -> CheckpointChunks.assemble(SOURCE, "policy", 3, List.of(hostile), BOUND))
                .isInstanceOfSatisfying(
                        UntrustedCheckpointException.class,
                        e -> assertThat(e.kind()).isEqualTo(UntrustedCheckpointException.Kind.TOO_LARGE));
    }

    @Test
    void filesTogetherAboveTheBoundAreRefused() {
        // given two files of 25 bytes each and a bound of 40
        SortedMap<String, byte[]> files = new TreeMap<>();
        files.put("a", new byte[25]);
        files.put("b", new byte[25]);
        List<CheckpointChunk> chunks = CheckpointChunks.split("policy", 3, files, 10);

        assertThatThrownBy(() -> CheckpointChunks.assemble(SOURCE, "policy", 3, chunks, 40))
                .isInstanceOfSatisfying(
                        UntrustedCheckpointException.class,
                        e -> assertThat(e.kind()).isEqualTo(UntrustedCheckpointException.Kind.TOO_LARGE));
    }

    @Test
    void aChunkOfAnotherVersionIsRefused() {
        List<CheckpointChunk> chunks = chunks();
        chunks.set(0, CheckpointChunk.newBuilder(chunks.get(0)).setVersion(2).build());
        assertIncomplete(chunks, "version 2");
    }

    @Test
    void noChunksAtAllIsAMissingCheckpoint() {
        assertThatThrownBy(() -> CheckpointChunks.assemble(SOURCE, "policy", 3, List.of(), BOUND))
                .isInstanceOfSatisfying(
                        UntrustedCheckpointException.class,
                        e -> assertThat(e.kind()).isEqualTo(UntrustedCheckpointException.Kind.MISSING));
    }

    @Test
    void keysNameModelVersionFileAndIndex() {
        assertThat(CheckpointChunks.key("policy", 12, "adapter_model.safetensors", 4))
                .isEqualTo("policy/12/adapter_model.safetensors/4");
    }

    /** A 25-byte file in three chunks of 10, 10 and 5. */
    private static List<CheckpointChunk> chunks() {
        byte[] bytes = new byte[25];
        new Random(3).nextBytes(bytes);
        SortedMap<String, byte[]> files = new TreeMap<>();
        files.put("adapter_model.safetensors", bytes);
        List<CheckpointChunk> chunks = new ArrayList<>(CheckpointChunks.split("policy", 3, files, 10));
        assertThat(chunks).hasSize(3);
        return chunks;
    }

    private static void assertIncomplete(List<CheckpointChunk> chunks, String detail) {
        assertThatThrownBy(() -> CheckpointChunks.assemble(SOURCE, "policy", 3, chunks, BOUND))
                .isInstanceOfSatisfying(
                        UntrustedCheckpointException.class,
                        e -> assertThat(e.kind()).isEqualTo(UntrustedCheckpointException.Kind.INCOMPLETE))
                .hasMessageContaining(detail);
    }
}
