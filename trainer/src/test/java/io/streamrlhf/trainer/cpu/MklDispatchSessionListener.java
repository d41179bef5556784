package io.streamrlhf.trainer.cpu;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Loads the MKL dispatch shim when a test JVM starts, before any test touches DJL, so tests that create an
 * {@code NDManager} directly run on the same MKL kernels as the trainer does. Registered through
 * {@code META-INF/services}.
 */
public final class MklDispatchSessionListener implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        MklDispatch.ensureLoaded();
    }
}
