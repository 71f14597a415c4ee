package io.precis.engine.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Whether DJL's PyTorch engine loads with the libtorch and JNI it is pointed at, and whether it computes on the
 * GPU: a 256x256 matrix product on the CPU and on CUDA, compared. Prints one line per step; exit code 0 when it
 * loaded (and, with {@code --require-gpu}, ran on CUDA), 1 otherwise. Used by gpu/check.sh before the bench.
 */
public final class GpuProbe {
    private GpuProbe() {}

    public static void main(String[] args) {
        boolean requireGpu = args.length > 0 && args[0].equals("--require-gpu");
        try {
            Engine e = Engine.getEngine("PyTorch");
            System.out.println("probe: loaded PyTorch " + e.getVersion() + " from " + ai.djl.pytorch.jni.LibUtils.getLibtorchPath());
            boolean cuda = e.hasCapability(StandardCapabilities.CUDA);
            System.out.println("probe: CUDA " + (cuda ? "available" : "not available") + ", cuDNN "
                    + (e.hasCapability(StandardCapabilities.CUDNN) ? "available" : "not available"));
            int n = 256;
            float[] a = new float[n * n], b = new float[n * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) Math.sin(i * 0.001);
                b[i] = (float) Math.cos(i * 0.002);
            }
            float[] onCpu = product(Device.cpu(), a, b, n);
            System.out.println("probe: cpu matrix product ok");
            if (!cuda) System.exit(requireGpu ? 1 : 0);
            float[] onGpu = product(Device.gpu(), a, b, n);
            double diff = 0, max = 0;
            for (int i = 0; i < onCpu.length; i++) {
                diff = Math.max(diff, Math.abs(onGpu[i] - onCpu[i]));
                max = Math.max(max, Math.abs(onCpu[i]));
            }
            System.out.printf("probe: gpu matrix product ok, max |gpu - cpu| / max |cpu| = %.3g%n", diff / max);
            System.exit(0);
        } catch (Throwable t) {
            System.out.println("probe: FAILED: " + t);
            for (Throwable c = t.getCause(); c != null; c = c.getCause()) System.out.println("probe:   caused by " + c);
            System.exit(1);
        }
    }

    private static float[] product(Device d, float[] a, float[] b, int n) {
        try (NDManager m = NDManager.newBaseManager(d, "PyTorch")) {
            NDArray x = m.create(a, new Shape(n, n)), y = m.create(b, new Shape(n, n));
            NDArray z = x.matMul(y);
            if (!z.getDevice().equals(d)) throw new IllegalStateException("product computed on " + z.getDevice() + ", not " + d);
            return z.toFloatArray();
        }
    }
}
