package io.precis.engine.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.precis.engine.algo.ActivationQuant;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * SmoothQuant's divisor folded into the norm before two MatMuls against the same divisor kept explicit, on small
 * graphs built here and run by ONNX Runtime; and the in-graph fp8 E4M3 and asymmetric int8 fake quantization against
 * this test's own implementations.
 */
class OnnxSmoothFoldTest {
    private static final int N = 64, D = 8, O1 = 4, O2 = 6;

    /** x → Sigmoid → norm (Mul γ, Add β, or LayerNormalization) → h; h·W1, h·W2 (W = diag(s)·W0); optionally h + x too. */
    private static OnnxMl.ModelProto graph(boolean layerNormOp, boolean residual, float[] s, Random rnd) {
        return graph(layerNormOp ? 1 : 0, residual, s, rnd);
    }

    /** @param norm 0: Mul γ, Add β; 1: LayerNormalization; 2: Mul γ only (RMSNorm's scale) */
    private static OnnxMl.ModelProto graph(int norm, boolean residual, float[] s, Random rnd) {
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("t");
        g.addInput(value("x", N, D));
        g.addInitializer(floats("gamma", random(rnd, D, 0.5f, 2f), D));
        g.addInitializer(floats("beta", random(rnd, D, -1f, 1f), D));
        for (String[] w : new String[][] {{"w1", "" + O1}, {"w2", "" + O2}}) {
            int o = Integer.parseInt(w[1]);
            float[] v = random(rnd, D * o, -1f, 1f);
            for (int c = 0; c < D; c++) for (int j = 0; j < o; j++) v[c * o + j] *= s[c];
            g.addInitializer(floats(w[0], v, D, o));
        }
        node(g, "Sigmoid", "t", "x");
        if (norm == 1) {
            node(g, "LayerNormalization", "h", "t", "gamma", "beta");
        } else if (norm == 2) {
            node(g, "Mul", "h", "t", "gamma");
        } else {
            node(g, "Mul", "y", "t", "gamma");
            node(g, "Add", "h", "y", "beta");
        }
        node(g, "MatMul", "out1", "h", "w1");
        node(g, "MatMul", "out2", "h", "w2");
        g.addOutput(value("out1", N, O1)).addOutput(value("out2", N, O2));
        if (residual) {
            node(g, "Add", "res", "h", "x");
            g.addOutput(value("res", N, D));
        }
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(g).build();
    }

    @Test
    void theFoldedNormGivesTheExplicitScalesOutputs() throws Exception {
        Random rnd = new Random(7);
        float[] s = random(rnd, D, 0.2f, 5f);
        float[] x = random(rnd, N * D, -4f, 4f);
        for (int lnOp = 0; lnOp < 3; lnOp++) {
            OnnxMl.ModelProto p = graph(lnOp, false, s, rnd);
            Map<String, ActivationQuant> q = Map.of("w1", ActivationQuant.int8PerToken(), "w2", ActivationQuant.int8PerToken());
            Map<String, float[]> sm = Map.of("w1", s, "w2", s);
            OnnxActivations.Rewritten folded = OnnxActivations.rewrite(p, q, sm, true);
            OnnxActivations.Rewritten explicit = OnnxActivations.rewrite(p, q, sm, false);
            assertEquals(Set.of("w1", "w2"), folded.folded(), "both MatMuls read the norm, and only they");
            assertEquals(Set.of(), explicit.folded());
            // the quantizer's input: h (γ/s, β/s) folded, h / s explicit
            Map<String, float[]> f = run(folded.model(), x, "h", "out1", "out2");
            Map<String, float[]> e = run(explicit.model(), x, "precis_aq0_x", "out1", "out2");
            float[] unfolded = run(p.toByteArray(), x, "h").get("h");
            double maxIn = 0;
            for (int i = 0; i < N * D; i++) {
                assertEquals(unfolded[i] / s[i % D], f.get("h")[i], 1e-5f * Math.abs(unfolded[i] / s[i % D]) + 1e-6f, "folded input at " + i);
                assertEquals(e.get("precis_aq0_x")[i], f.get("h")[i], 1e-5f * Math.abs(e.get("precis_aq0_x")[i]) + 1e-6f, "lnOp " + lnOp + " at " + i);
                maxIn = Math.max(maxIn, Math.abs(f.get("h")[i]));
            }
            // outputs: equal up to float rounding (a code may flip where x/scale sits on a rounding boundary: allow one step)
            for (String out : List.of("out1", "out2")) {
                float[] a = f.get(out), b = e.get(out);
                int flips = 0;
                for (int i = 0; i < a.length; i++) {
                    double d = Math.abs(a[i] - b[i]);
                    if (d > 1e-5 * (1 + Math.abs(b[i]))) flips++;
                    assertTrue(d < 5 * maxIn / 127 * 5, out + " at " + i + ": " + a[i] + " vs " + b[i]);
                }
                assertTrue(flips <= a.length / 100, out + ": " + flips + " of " + a.length + " differ beyond float rounding");
            }
            // the original γ (and β) stay as they were (new initializers carry γ/s, β/s)
            OnnxMl.GraphProto rg = OnnxMl.ModelProto.parseFrom(folded.model()).getGraph();
            assertTrue(rg.getInitializerList().stream().anyMatch(t -> t.getName().equals("gamma")));
            assertTrue(rg.getInitializerList().stream().anyMatch(t -> t.getName().startsWith("precis_fold")));
            assertTrue(rg.getNodeList().stream().noneMatch(n -> n.getName().endsWith("_x") && n.getOpType().equals("Div")), "no explicit divisor left");
        }
    }

    @Test
    void aNormThatAlsoFeedsTheResidualIsNotFolded() throws Exception {
        Random rnd = new Random(8);
        float[] s = random(rnd, D, 0.2f, 5f);
        OnnxMl.ModelProto p = graph(false, true, s, rnd);
        OnnxActivations.Rewritten r = OnnxActivations.rewrite(p, Map.of("w1", ActivationQuant.int8PerToken(), "w2", ActivationQuant.int8PerToken()),
                Map.of("w1", s, "w2", s), true);
        assertEquals(Set.of(), r.folded());
        // one smoothed, one not: different divisors on one input, so no fold either
        OnnxActivations.Rewritten half = OnnxActivations.rewrite(graph(false, false, s, rnd), Map.of("w1", ActivationQuant.int8PerToken(),
                "w2", ActivationQuant.int8PerToken()), Map.of("w1", s), true);
        assertEquals(Set.of(), half.folded());
    }

    /** E4M3 (fn: no infinities, max 448) by enumeration: every finite positive code, nearest wins, ties to the even code. */
    private static float e4m3(float v) {
        List<Float> codes = new ArrayList<>();
        for (int e = 0; e < 16; e++)
            for (int m = 0; m < 8; m++) {
                if (e == 15 && m == 7) continue;   // NaN
                codes.add(e == 0 ? m / 8f * (float) Math.pow(2, -6) : (1 + m / 8f) * (float) Math.pow(2, e - 7));
            }
        float a = Math.min(Math.abs(v), 448f);
        int best = 0;
        for (int i = 1; i < codes.size(); i++) {
            float d = Math.abs(codes.get(i) - a), bd = Math.abs(codes.get(best) - a);
            if (d < bd || d == bd && i % 2 == 0) best = i;
        }
        return Math.copySign(codes.get(best), v);
    }

    private static OnnxMl.ModelProto single() {
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("t");
        g.addInput(value("x", N, D));
        g.addInitializer(floats("w1", random(new Random(1), D * O1, -1, 1), D, O1));
        node(g, "MatMul", "out1", "x", "w1");
        g.addOutput(value("out1", N, O1));
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(g).build();
    }

    @Test
    void fp8InTheGraphIsE4m3RoundingOfTheScaledInput() throws Exception {
        Random rnd = new Random(9);
        float[] x = new float[N * D];
        // magnitudes over many binades, subnormals of E4M3 included after scaling
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * Math.exp(3 * rnd.nextGaussian()));
        for (ActivationQuant q : List.of(new ActivationQuant(ActivationQuant.Element.FP8_E4M3, ActivationQuant.Granularity.PER_TOKEN, true, false, 0),
                new ActivationQuant(ActivationQuant.Element.FP8_E4M3, ActivationQuant.Granularity.PER_TENSOR, false, false, 0.01f))) {
            float[] y = run(OnnxActivations.rewrite(single(), Map.of("w1", q), Map.of()), x, "precis_aq0_y").get("precis_aq0_y");
            int sub = 0;
            for (int r = 0; r < N; r++) {
                float m = 0;
                for (int c = 0; c < D; c++) m = Math.max(m, Math.abs(x[r * D + c]));
                float scale = q.dynamic() ? m / 448f : 0.01f;
                for (int c = 0; c < D; c++) {
                    int i = r * D + c;
                    float v = x[i] / scale;
                    if (Math.abs(v) < Math.pow(2, -6)) sub++;
                    assertEquals(e4m3(v) * scale, y[i], 1e-6f * Math.abs(y[i]) + 1e-30f, q + " at " + i + " (x/s = " + v + ")");
                }
            }
            assertTrue(sub > 0, "some values fall into the subnormals");
            // the engine's own fake quantization agrees
            float[] mine = x.clone();
            q.apply(mine, N, D);
            for (int i = 0; i < x.length; i++) assertEquals(mine[i], y[i], 1e-6f * Math.abs(y[i]) + 1e-30f, "ActivationQuant at " + i);
        }
    }

    @Test
    void asymmetricInt8InTheGraphUsesUint8CodesWithAZeroPoint() throws Exception {
        Random rnd = new Random(10);
        float[] x = new float[N * D];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.max(-0.17, rnd.nextGaussian() * 2);   // GELU-like: mostly positive
        for (ActivationQuant.Granularity g : ActivationQuant.Granularity.values()) {
            ActivationQuant q = ActivationQuant.int8Asymmetric(g);
            float[] y = run(OnnxActivations.rewrite(single(), Map.of("w1", q), Map.of()), x, "precis_aq0_y").get("precis_aq0_y");
            int per = g == ActivationQuant.Granularity.PER_TOKEN ? D : N * D;
            for (int from = 0; from < x.length; from += per) {
                double lo = 0, hi = 0;
                for (int i = from; i < from + per; i++) {
                    lo = Math.min(lo, x[i]);
                    hi = Math.max(hi, x[i]);
                }
                double s = (hi - lo) / 255, zp = Math.rint(-lo / s);
                for (int i = from; i < from + per; i++) {
                    double code = Math.min(255, Math.max(0, Math.rint(x[i] / s) + zp));
                    assertEquals((code - zp) * s, y[i], 1e-5 * (hi - lo), g + " at " + i);
                    assertEquals(x[i], y[i], s + 1e-6, "within a step (half, but for the clamp at 255 when the zero point rounds up)");
                }
            }
            float[] mine = x.clone();
            q.apply(mine, N, D);
            for (int i = 0; i < x.length; i++) assertEquals(mine[i], y[i], 1e-6f * Math.abs(y[i]) + 1e-7f, "ActivationQuant at " + i);
        }
    }

    private static Map<String, float[]> run(byte[] model, float[] x, String... names) throws Exception {
        OnnxMl.ModelProto p = OnnxMl.ModelProto.parseFrom(model);
        OnnxMl.GraphProto.Builder g = p.getGraph().toBuilder();
        for (String n : names)
            if (g.getOutputList().stream().noneMatch(o -> o.getName().equals(n))) g.addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(n));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(p.toBuilder().setGraph(g).build().toByteArray(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {N, D});
             OrtSession.Result r = s.run(Map.of("x", in))) {
            Map<String, float[]> out = new java.util.HashMap<>();
            for (String n : names) {
                FloatBuffer b = ((OnnxTensor) r.get(n).orElseThrow()).getFloatBuffer();
                float[] f = new float[b.remaining()];
                b.get(f);
                out.put(n, f);
            }
            return out;
        }
    }

    private static float[] random(Random rnd, int n, float lo, float hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * rnd.nextFloat();
        return v;
    }

    private static void node(OnnxMl.GraphProto.Builder g, String op, String out, String... in) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(out + "_node").addOutput(out);
        for (String i : in) n.addInput(i);
        g.addNode(n);
    }

    private static OnnxMl.ValueInfoProto value(String name, long... dims) {
        OnnxMl.TensorShapeProto.Builder sh = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) sh.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1).setShape(sh))).build();
    }

    private static OnnxMl.TensorProto floats(String name, float[] v, long... dims) {
        return OnnxActivations.floats(name, v, dims);
    }
}
