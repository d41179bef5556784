package io.streamrlhf.producers.sampler;

import io.streamrlhf.trainer.generate.Generation;
import io.streamrlhf.trainer.generate.SamplingConfig;
import java.util.List;
import java.util.Random;

/**
 * A loaded policy version the sampler rolls out with: the byte-level model, or a Hugging Face base with one
 * version's adapters. Used by one thread at a time; closing it frees what this version alone holds (a shared base
 * stays loaded).
 */
public interface ServedPolicy extends AutoCloseable {

    /** One completion per prompt, in order. */
    List<Generation> generate(List<String> prompts, SamplingConfig sampling, Random random);

    @Override
    void close();
}
