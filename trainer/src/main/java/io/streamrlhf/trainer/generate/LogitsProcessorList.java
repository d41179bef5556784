package io.streamrlhf.trainer.generate;

import io.streamrlhf.trainer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Processors applied in order, as Hugging Face's {@code LogitsProcessorList}. {@link #forSampling} maps the
 * sampling settings to the chain the {@link Generator} uses.
 */
public final class LogitsProcessorList implements LogitsProcessor {

    private final List<LogitsProcessor> processors;

    /** Applies {@code processors} in the given order. */
    public LogitsProcessorList(List<LogitsProcessor> processors) {
        this.processors = List.copyOf(processors);
    }

    /**
     * The chain for {@code sampling} with {@code tokenizer}'s vocabulary: the tokens generation never emits are
     * suppressed; then, unless decoding is greedy, the temperature (left out at 1) and the nucleus (left out at
     * top-p 1).
     */
    public static LogitsProcessorList forSampling(SamplingConfig sampling, Tokenizer tokenizer) {
        List<LogitsProcessor> chain = new ArrayList<>();
        chain.add(new SuppressTokensProcessor(tokenizer.suppressedIds()));
        if (sampling.temperature() > 0) {
            if (sampling.temperature() != 1.0) {
                chain.add(new TemperatureProcessor(sampling.temperature()));
            }
            if (sampling.topP() < 1.0) {
                chain.add(new TopPProcessor(sampling.topP()));
            }
        }
        return new LogitsProcessorList(chain);
    }

    /** The processors, in order. */
    public List<LogitsProcessor> processors() {
        return processors;
    }

    @Override
    public void process(float[] scores) {
        for (LogitsProcessor p : processors) {
            p.process(scores);
        }
    }
}
