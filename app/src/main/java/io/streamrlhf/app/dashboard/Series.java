package io.streamrlhf.app.dashboard;

import java.util.ArrayList;
import java.util.List;

/**
 * A bounded series of (x, y) points for a chart. When full it averages neighbouring points pairwise and from
 * then on averages that many raw points per stored point, so a long run keeps its whole shape in constant
 * memory; the newest partial bucket is always included, so the chart's right edge is current. Non-finite
 * values are dropped (JSON cannot carry them). Not thread-safe: its owner synchronizes.
 */
final class Series {

    private final int capacity;
    private final double[] xs;
    private final double[] ys;
    private int size;
    private int stride = 1;
    private double pendingX;
    private double pendingY;
    private int pendingCount;
    private double lastY = Double.NaN;

    Series(int capacity) {
        if (capacity < 2 || capacity % 2 != 0) {
            throw new IllegalArgumentException("capacity must be an even number >= 2, got " + capacity);
        }
        this.capacity = capacity;
        this.xs = new double[capacity];
        this.ys = new double[capacity];
    }

    void add(double x, double y) {
        if (!Double.isFinite(x) || !Double.isFinite(y)) {
            return;
        }
        lastY = y;
        pendingX += x;
        pendingY += y;
        pendingCount++;
        if (pendingCount < stride) {
            return;
        }
        xs[size] = pendingX / pendingCount;
        ys[size] = pendingY / pendingCount;
        size++;
        pendingX = 0;
        pendingY = 0;
        pendingCount = 0;
        if (size == capacity) {
            for (int i = 0; i < capacity / 2; i++) {
                xs[i] = (xs[2 * i] + xs[2 * i + 1]) / 2;
                ys[i] = (ys[2 * i] + ys[2 * i + 1]) / 2;
            }
            size = capacity / 2;
            stride *= 2;
        }
    }

    /** The stored points, oldest first, each {@code [x, y]}, plus the newest partial bucket. */
    List<double[]> points() {
        List<double[]> out = new ArrayList<>(size + 1);
        for (int i = 0; i < size; i++) {
            out.add(new double[] {xs[i], ys[i]});
        }
        if (pendingCount > 0) {
            out.add(new double[] {pendingX / pendingCount, pendingY / pendingCount});
        }
        return out;
    }

    /** The most recent raw value, NaN before the first. */
    double last() {
        return lastY;
    }

    /** How many raw points each stored point now averages. */
    int stride() {
        return stride;
    }
}
