package io.precis.engine.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Fake quantization of one 4096 x 4096 fp32 tensor (64 MiB) in place, against System.arraycopy of the same size
 * and the same int4 group-128 fake quantization written with DJL NDArray ops on PyTorch. Each operation is one
 * pass over the tensor; throughput x 64 MiB is GB/s (see {@link QuantBenchMain}). Quantizing in place again and
 * again does the same work every time (the kernels do not branch on the data).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class QuantBench {

    static final int ROWS = 4096;
    static final int COLS = 4096;
    static final long BYTES = 4L * ROWS * COLS;

    static float[] weights() {
        Random r = new Random(2024);
        float[] w = new float[ROWS * COLS];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.02);
        }
        return w;
    }

    @State(Scope.Benchmark)
    public static class Tensor {
        final Format int8PerChannel = Formats.int8();
        final Format int4G128 = Formats.int4().groups(128);
        final Format int4G128Asym = Formats.int4().groups(128).asymmetric();
        final Format fp8PerTensor = Formats.fp8e4m3();
        final Format mxfp4 = Formats.mxfp4();
        final Format nf4G64 = Formats.nf4();
        float[] w;
        float[] copy;
        ByteBuffer direct;

        @Setup(Level.Trial)
        public void setUp() {
            w = weights();
            copy = new float[w.length];
            direct = ByteBuffer.allocateDirect(w.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            direct.asFloatBuffer().put(w);
        }
    }

    @Benchmark
    public float[] systemArraycopy(Tensor t) {
        System.arraycopy(t.w, 0, t.copy, 0, t.w.length);
        return t.copy;
    }

    @Benchmark
    public float[] int8PerChannel(Tensor t) {
        return t.int8PerChannel.fakeQuantize(t.w, ROWS, COLS);
    }

    @Benchmark
    public float[] int4G128Sym(Tensor t) {
        return t.int4G128.fakeQuantize(t.w, ROWS, COLS);
    }

    @Benchmark
    public float[] int4G128Asym(Tensor t) {
        return t.int4G128Asym.fakeQuantize(t.w, ROWS, COLS);
    }

    @Benchmark
    public float[] fp8E4m3PerTensor(Tensor t) {
        return t.fp8PerTensor.fakeQuantize(t.w, ROWS, COLS);
    }

    @Benchmark
    public float[] mxfp4(Tensor t) {
        return t.mxfp4.fakeQuantize(t.w, ROWS, COLS);
    }

    @Benchmark
    public float[] nf4G64(Tensor t) {
        return t.nf4G64.fakeQuantize(t.w, ROWS, COLS);
    }

    /** The same int4 group 128 over a direct little-endian buffer, as a DJL tensor view is quantized. */
    @Benchmark
    public ByteBuffer int4G128SymDirectBuffer(Tensor t) {
        return t.int4G128.fakeQuantize(t.direct, ROWS, COLS);
    }

    @State(Scope.Benchmark)
    public static class Djl {
        NDManager manager;
        NDArray x;

        @Setup(Level.Trial)
        public void setUp() {
            System.setProperty("ai.djl.offline", "true");
            manager = NDManager.newBaseManager("PyTorch");
            x = manager.create(weights(), new Shape(ROWS, COLS / 128, 128));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }
    }

    /**
     * int4, groups of 128, symmetric, fp16 scales, with NDArray ops as a DJL user would write them:
     * s = fp16(max|x| / 7) per group, q = clip(round(x / s), -7, 7) * s.
     */
    @Benchmark
    public NDArray djlNdarrayInt4G128(Djl d) {
        try (NDManager scope = d.manager.newSubManager()) {
            d.x.tempAttach(scope);
            NDArray s = d.x.abs().max(new int[] {2}, true).divi(7f)
                    .toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false);
            NDArray q = d.x.div(s).round().clip(-7f, 7f).muli(s);
            return q;
        }
    }
}
