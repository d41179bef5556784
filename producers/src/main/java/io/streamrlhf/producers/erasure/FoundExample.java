package io.streamrlhf.producers.erasure;

/**
 * An example on a retained example topic that names an erased user.
 *
 * @param kind {@code KTO} or {@code DPO}
 * @param exampleId the example or pair id
 * @param topic where it is
 * @param partition its partition
 * @param offset its offset
 * @param cancelled whether a weight-0 copy under the same id follows it
 */
public record FoundExample(String kind, String exampleId, String topic, int partition, long offset, boolean cancelled) {

    /** The same example, cancelled. */
    public FoundExample cancel() {
        return new FoundExample(kind, exampleId, topic, partition, offset, true);
    }
}
