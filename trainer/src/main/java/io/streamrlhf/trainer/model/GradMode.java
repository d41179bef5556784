package io.streamrlhf.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.streamrlhf.trainer.cpu.MklDispatch;

/**
 * PyTorch's grad mode is per thread and on by default in threads DJL did not initialise; in-place
 * updates of parameters (optimizer steps, weight loads) need it off, and scoring without gradients
 * should not build a graph. {@link #off()} turns it off and restores the previous mode on close.
 */
public final class GradMode {

    private GradMode() {}

    /** Restores the previous grad mode when closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Turns autograd recording off for the calling thread until the scope closes. */
    public static Scope off() {
        MklDispatch.ensureLoaded();
        if (!"PyTorch".equals(Engine.getInstance().getEngineName())) {
            return () -> {};
        }
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return () -> JniUtils.setGradMode(previous);
    }
}
