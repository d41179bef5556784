package io.streamrlhf.streams.config;

/**
 * Where the topologies keep their state. Either way every store has a changelog topic, so state survives the loss
 * of an instance; in-memory stores restore all of it on every start and must fit in the heap.
 */
public enum StateStoreType {
    /** RocksDB on local disk under {@code streams.state.dir} (the default; bounded by disk, not heap). */
    ROCKSDB,
    /** Heap memory (faster per record; for the local stack, tests and benchmarks). */
    IN_MEMORY
}
