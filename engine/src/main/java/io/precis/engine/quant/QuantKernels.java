package io.precis.engine.quant;

import java.lang.System.Logger.Level;

/**
 * Picks the kernel once per JVM: the Vector API one when {@code jdk.incubator.vector} is in the boot layer
 * (start the JVM with {@code --add-modules jdk.incubator.vector}), else the scalar reference, logging the reason
 * once. {@code -Dprecis.quant.kernel=scalar} forces the reference.
 */
final class QuantKernels {

    static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final System.Logger LOG = System.getLogger("io.precis.engine.quant");

    private static volatile QuantKernel vector;
    private static volatile String fallbackReason;
    private static volatile boolean probed;

    private QuantKernels() {
    }

    /** The fastest kernel available here. */
    static QuantKernel best() {
        QuantKernel v = vector();
        return v != null ? v : ScalarQuantKernel.INSTANCE;
    }

    /** The Vector API kernel, or null when it cannot run here (see {@link #fallbackReason()}). */
    static QuantKernel vector() {
        if (!probed) {
            probe();
        }
        return vector;
    }

    /** Why the scalar kernel is used, or null when the vector kernel runs. */
    static String fallbackReason() {
        vector();
        return fallbackReason;
    }

    private static synchronized void probe() {
        if (probed) {
            return;
        }
        String reason = null;
        QuantKernel k = null;
        String forced = System.getProperty("precis.quant.kernel", "auto");
        if (forced.equals("scalar")) {
            reason = "-Dprecis.quant.kernel=scalar";
        } else if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            reason = VECTOR_MODULE + " is not in the boot layer (start the JVM with --add-modules "
                    + VECTOR_MODULE + " for the fast path)";
        } else {
            try {
                // by name, so that no class of the incubator module is linked unless it is present
                k = (QuantKernel) Class.forName("io.precis.engine.quant.VectorQuantKernel").getDeclaredConstructor()
                        .newInstance();
                k.absMax(new float[64], 0, 64, true);
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                k = null;
                reason = "the Vector API kernel failed to load: " + e;
            }
        }
        if (reason != null) {
            LOG.log(Level.INFO, "quantization runs on the scalar kernels: " + reason);
        }
        vector = k;
        fallbackReason = reason;
        probed = true;
    }
}
