package io.streamrlhf.trainer.model;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Device choice: the first GPU when DJL sees one, the CPU otherwise. */
public final class Devices {

  private Devices() {}

  /** {@code Device.gpu()} when the engine reports a GPU, else {@code Device.cpu()}. */
  public static Device best() {
    return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
  }
}
