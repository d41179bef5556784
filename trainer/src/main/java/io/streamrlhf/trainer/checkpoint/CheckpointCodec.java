package io.streamrlhf.trainer.checkpoint;

import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.optim.OptimizerState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The single-file checkpoint format: magic {@code SRLHFCK1}, format version, header (ids, configs,
 * step), then per parameter its name, weights, AdamW m and v (little-endian float32), and a
 * trailing SHA-256 of everything before it. Decoding verifies the trailer before reading anything.
 */
public final class CheckpointCodec {

    private static final byte[] MAGIC = "SRLHFCK1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int FORMAT = 1;
    private static final int HASH_BYTES = 32;

    private CheckpointCodec() {}

    /** Serialises a checkpoint, trailer included. */
    public static byte[] encode(Checkpoint c) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeInt(FORMAT);
            out.writeUTF(c.modelId());
            out.writeLong(c.version());
            out.writeLong(c.parentVersion());
            ModelConfig m = c.model();
            out.writeInt(m.layers());
            out.writeInt(m.width());
            out.writeInt(m.heads());
            out.writeInt(m.context());
            out.writeInt(m.mlpRatio());
            out.writeUTF(m.positions().name());
            out.writeBoolean(m.tiedHead());
            out.writeLong(m.seed());
            OptimizerConfig o = c.optimizer();
            out.writeDouble(o.learningRate());
            out.writeDouble(o.beta1());
            out.writeDouble(o.beta2());
            out.writeDouble(o.epsilon());
            out.writeDouble(o.weightDecay());
            out.writeDouble(o.maxGradNorm());
            out.writeInt(o.warmupSteps());
            OptimizerState state = c.optimizerState();
            out.writeLong(state.step());
            out.writeInt(c.weights().size());
            for (Map.Entry<String, float[]> e : c.weights().entrySet()) {
                out.writeUTF(e.getKey());
                float[] w = e.getValue();
                float[] first = state.firstMoments().get(e.getKey());
                float[] second = state.secondMoments().get(e.getKey());
                if (first == null || second == null || first.length != w.length || second.length != w.length) {
                    throw new IllegalArgumentException("optimizer state missing for " + e.getKey());
                }
                out.writeInt(w.length);
                writeFloats(out, w);
                writeFloats(out, first);
                writeFloats(out, second);
            }
            out.flush();
            byte[] payload = bytes.toByteArray();
            byte[] hash = sha256(payload, payload.length);
            byte[] file = Arrays.copyOf(payload, payload.length + HASH_BYTES);
            System.arraycopy(hash, 0, file, payload.length, HASH_BYTES);
            return file;
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
    }

    /**
     * Parses a checkpoint after verifying its trailer hash.
     *
     * @param source where the bytes came from, for error messages
     * @throws CorruptCheckpointException when the bytes are truncated, altered or not a checkpoint
     */
    public static Checkpoint decode(byte[] file, String source) throws CorruptCheckpointException {
        if (file.length < MAGIC.length + 4 + HASH_BYTES || !Arrays.equals(Arrays.copyOf(file, MAGIC.length), MAGIC)) {
            throw new CorruptCheckpointException(
                    source + " is not a StreamRLHF checkpoint (bad magic or " + file.length + " bytes only)");
        }
        int payloadLength = file.length - HASH_BYTES;
        byte[] expected = Arrays.copyOfRange(file, payloadLength, file.length);
        byte[] actual = sha256(file, payloadLength);
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new CorruptCheckpointException("checkpoint " + source + " is corrupted: content sha256 "
                    + HexFormat.of().formatHex(actual) + " does not match the recorded "
                    + HexFormat.of().formatHex(expected) + "; refusing to load it");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(file, MAGIC.length, payloadLength))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new CorruptCheckpointException(source + " has unsupported format " + format);
            }
            String modelId = in.readUTF();
            long version = in.readLong();
            long parent = in.readLong();
            ModelConfig model = new ModelConfig(
                    in.readInt(),
                    in.readInt(),
                    in.readInt(),
                    in.readInt(),
                    in.readInt(),
                    ModelConfig.Positions.valueOf(in.readUTF()),
                    in.readBoolean(),
                    in.readLong());
            OptimizerConfig optimizer = new OptimizerConfig(
                    in.readDouble(),
                    in.readDouble(),
                    in.readDouble(),
                    in.readDouble(),
                    in.readDouble(),
                    in.readDouble(),
                    in.readInt());
            long step = in.readLong();
            int count = in.readInt();
            Map<String, float[]> weights = new LinkedHashMap<>();
            Map<String, float[]> first = new LinkedHashMap<>();
            Map<String, float[]> second = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                int n = in.readInt();
                weights.put(name, readFloats(in, n));
                first.put(name, readFloats(in, n));
                second.put(name, readFloats(in, n));
            }
            return new Checkpoint(
                    modelId, version, parent, model, optimizer, weights, new OptimizerState(step, first, second));
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptCheckpointException(source + " could not be parsed: " + e.getMessage(), e);
        }
    }

    /** Hex SHA-256 of a whole file's bytes (what {@code PolicyVersion.sha256} records). */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256(bytes, bytes.length));
    }

    private static byte[] sha256(byte[] bytes, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes, 0, length);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        out.write(buffer.array());
    }

    private static float[] readFloats(DataInputStream in, int n) throws IOException {
        byte[] raw = new byte[Math.multiplyExact(n, 4)];
        in.readFully(raw);
        float[] values = new float[n];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }
}
