package io.streamrlhf.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Arithmetic with a constant whose backward pass still finds the constant: use these instead of DJL's
 * {@code NDArray.mul(Number)}, {@code div(Number)} and {@code pow(Number)} on anything a gradient flows through.
 *
 * <p>DJL's PyTorch engine turns the number into a 0-d array whose storage is a Java direct buffer, runs the
 * operation and closes that array straight away. Autograd keeps the tensor for the backward pass ({@code d(x·c)/dx
 * = c}), but once the array is closed nothing on the Java side holds the buffer, so a garbage collection between
 * the forward and the backward pass frees the memory under it: the backward multiplies by whatever the allocator
 * left or put there. Measured: the gradient of {@code x·0.25 + x^-0.5} came out all zeros after one collection;
 * when another thread reuses the freed memory the value is arbitrary, NaN and infinities included. In the one-JVM
 * stack, where Kafka clients, streams and the sampler allocate all the time, that made a rare training step's
 * gradient non-finite (the optimizer then skips it) or silently wrong.
 *
 * <p>The constants made here belong to the operand's manager, which in a training step is the step's own scope,
 * closed after the backward pass; they cost one small array per call. Operations whose backward does not use the
 * constant ({@code add}, {@code sub}) and operations outside autograd (optimizer updates under
 * {@link GradMode#off()}) may keep DJL's {@code Number} overloads.
 */
public final class Scalars {

    private Scalars() {}

    /** {@code value} as a 0-d array of {@code like}'s data type on its device, owned by {@code like}'s manager. */
    public static NDArray like(NDArray like, double value) {
        NDManager manager = like.getManager();
        DataType type = like.getDataType();
        NDArray scalar = type == DataType.FLOAT64 ? manager.create(value) : manager.create((float) value);
        if (type != DataType.FLOAT64 && type != DataType.FLOAT32) {
            scalar = scalar.toType(type, false);
        }
        return scalar.toDevice(like.getDevice(), false);
    }

    /** {@code x * c}, differentiable with respect to {@code x}. */
    public static NDArray mul(NDArray x, double c) {
        return x.mul(like(x, c));
    }

    /** {@code x / c}, differentiable with respect to {@code x}. */
    public static NDArray div(NDArray x, double c) {
        return x.div(like(x, c));
    }

    /** {@code x ^ c}, differentiable with respect to {@code x}. */
    public static NDArray pow(NDArray x, double c) {
        return x.pow(like(x, c));
    }
}
