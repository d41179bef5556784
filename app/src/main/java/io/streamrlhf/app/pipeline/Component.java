package io.streamrlhf.app.pipeline;

/** The long-running parts of StreamRLHF, each runnable alone against any Kafka cluster and registry. */
public enum Component {
    /** Kafka Streams topologies and the per-version monitor. */
    STREAMS,
    /** The online trainer, publishing policy versions. */
    TRAINER,
    /** The rollout sampler, following policy versions. */
    SAMPLER,
    /** The synthetic prompt source feeding the sampler. */
    PROMPTS,
    /** Simulated users giving thumbs and A/B choices. */
    USERS,
    /** The HTTP ingestion gateway. */
    GATEWAY,
    /** The live dashboard. */
    DASHBOARD,
    /** The erasure reporter: answers each erasure request with an erasure report. */
    ERASURES
}
