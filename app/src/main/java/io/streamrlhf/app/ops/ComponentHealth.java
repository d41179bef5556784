package io.streamrlhf.app.ops;

/**
 * What one running component instance says about itself.
 *
 * @param state its own state name ({@code RUNNING}, {@code REBALANCING}, {@code NO_POLICY}, ...)
 * @param ready whether it does its work now (streams RUNNING, the trainer training, the sampler serving a policy)
 * @param detail a short human-readable addition, empty when there is nothing to add
 */
public record ComponentHealth(String state, boolean ready, String detail) {

    /** A ready component in state {@code state}. */
    public static ComponentHealth ready(String state) {
        return new ComponentHealth(state, true, "");
    }

    /** A component that is not ready, in state {@code state}, because of {@code detail}. */
    public static ComponentHealth notReady(String state, String detail) {
        return new ComponentHealth(state, false, detail);
    }
}
