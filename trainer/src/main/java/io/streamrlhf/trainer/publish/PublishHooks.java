package io.streamrlhf.trainer.publish;

/**
 * Fault-injection points of the online loop, for crash tests. Production uses {@link #NONE}; a test
 * throws from a hook to stop the trainer abruptly at that point.
 */
public interface PublishHooks {

    /** No hooks. */
    PublishHooks NONE = new PublishHooks() {};

    /** After optimizer step {@code step} and before anything about it is published. */
    default void afterStep(long step) {}

    /** After the checkpoint of {@code version} is durable, before its transaction begins. */
    default void afterCheckpointWritten(long version) {}

    /** Inside the open transaction, after the records and offsets were sent, before the commit. */
    default void beforeCommit(long version) {}

    /** Right after the transaction of {@code version} committed. */
    default void afterCommit(long version) {}
}
