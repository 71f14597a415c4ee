package io.precis.engine.model.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.precis.engine.algo.ActivationQuant;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Fake-quantizes the input of chosen MatMul/Gemm layers inside the graph: before the node, {@code x} becomes
 * {@code round(clip(x' / s, lo, 127)) · s} with {@code x' = x / smooth} (SmoothQuant's explicit per-channel divisor,
 * when given) and {@code s} = max|x'| / 127 per row (per token), over the whole tensor (per tensor, dynamic: padding
 * tokens of the batch included) or a calibrated constant (static), exactly {@link ActivationQuant#apply}'s arithmetic
 * in standard ops (Abs, ReduceMax, Div, Max, Min, Round, Mul), so ONNX Runtime evaluates it in the real forward pass.
 * Only int8 here.
 */
public final class OnnxActivations {
    private OnnxActivations() {}

    /**
     * Adds the fake quantization of {@code x} (int8, dynamic or static, as {@link #rewrite} inserts it) to {@code b};
     * returns the quantized tensor's name. For exports, which write the same subgraph the evaluation runs.
     */
    public static String insert(OnnxMl.GraphProto.Builder b, String x, ActivationQuant q, String prefix, long opset) {
        if (q.element() != ActivationQuant.Element.INT8) throw new IllegalArgumentException("only int8 activations are written, not " + q);
        return fakeQuant(b, x, q, null, prefix, opset);
    }

    /**
     * @param quant  by weight tensor name: how that layer's input is quantized
     * @param smooth by weight tensor name: per input channel divisors (the weight must already be multiplied by them), may miss
     */
    /** The rewritten graph and the weights whose SmoothQuant divisor was folded into a preceding norm. */
    record Rewritten(byte[] model, Set<String> folded) {}

    static byte[] rewrite(OnnxMl.ModelProto proto, Map<String, ActivationQuant> quant, Map<String, float[]> smooth) {
        return rewrite(proto, quant, smooth, false).model();
    }

    /** @param fold whether to fold SmoothQuant's divisors into preceding norms where the graph allows */
    static Rewritten rewrite(OnnxMl.ModelProto proto, Map<String, ActivationQuant> quant, Map<String, float[]> smooth, boolean fold) {
        OnnxMl.GraphProto g = proto.getGraph();
        long opset = 0;
        for (OnnxMl.OperatorSetIdProto o : proto.getOpsetImportList())
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) opset = o.getVersion();
        if (opset < 11) throw new IllegalArgumentException("activation quantization needs opset 11 or later (Round); this graph is opset " + opset);
        Set<String> inits = new HashSet<>();
        g.getInitializerList().forEach(t -> inits.add(t.getName()));
        Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) for (String out : n.getOutputList()) producer.put(out, n);
        OnnxMl.GraphProto.Builder b = g.toBuilder().clearNode();
        Map<String, Map<Integer, String>> renamed = new HashMap<>();   // node name -> input index -> folded initializer
        Set<String> foldedInputs = fold ? folds(g, inits, producer, smooth, b, renamed) : Set.of();
        Set<String> foldedWeights = new HashSet<>();
        Map<String, String> made = new LinkedHashMap<>();   // (input, spec, smoothing) -> fake-quantized tensor
        Set<String> found = new HashSet<>();
        int[] id = {0};
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            String weight = weightOf(n, inits, producer);
            ActivationQuant q = weight == null ? null : quant.get(weight);
            if (q == null) {
                Map<Integer, String> r = renamed.get(n.getName() + "|" + n.getOutput(0));
                if (r == null) {
                    b.addNode(n);
                } else {
                    OnnxMl.NodeProto.Builder nb = n.toBuilder();
                    r.forEach(nb::setInput);
                    b.addNode(nb);
                }
                continue;
            }
            found.add(weight);
            String x = n.getInput(0);
            float[] s = foldedInputs.contains(x) ? null : smooth.get(weight);
            if (foldedInputs.contains(x)) foldedWeights.add(weight);
            String key = x + "|" + q + "|" + q.staticScale() + "|" + (s == null ? "" : weight);
            String y = made.get(key);
            if (y == null) {
                y = fakeQuant(b, x, q, s, "precis_aq" + id[0]++, opset);
                made.put(key, y);
            }
            b.addNode(n.toBuilder().setInput(0, y));
        }
        for (String w : quant.keySet())
            if (!found.contains(w)) throw new IllegalArgumentException("no MatMul/Gemm reads weight '" + w + "', so its input cannot be quantized");
        return new Rewritten(proto.toBuilder().setGraph(b).build().toByteArray(), foldedWeights);
    }

    /**
     * Finds the smoothed inputs whose divisor folds into the norm producing them, adds γ/s and β/s initializers to
     * {@code b} and records in {@code renamed} which inputs of which norm nodes they replace.
     */
    private static Set<String> folds(OnnxMl.GraphProto g, Set<String> inits, Map<String, OnnxMl.NodeProto> producer,
                                     Map<String, float[]> smooth, OnnxMl.GraphProto.Builder b, Map<String, Map<Integer, String>> renamed) {
        Map<String, List<OnnxMl.NodeProto>> consumers = new HashMap<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) for (String in : n.getInputList()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        Set<String> outputs = new HashSet<>();
        g.getOutputList().forEach(o -> outputs.add(o.getName()));
        Map<String, OnnxMl.TensorProto> byName = new HashMap<>();
        g.getInitializerList().forEach(t -> byName.put(t.getName(), t));
        Set<String> folded = new HashSet<>();
        int k = 0;
        for (Map.Entry<String, List<OnnxMl.NodeProto>> e : consumers.entrySet()) {
            String x = e.getKey();
            if (outputs.contains(x) || producer.get(x) == null || !producer.get(x).getOutput(0).equals(x)) continue;
            float[] s = null;
            boolean ok = true;
            for (OnnxMl.NodeProto c : e.getValue()) {
                String w = weightOf(c, inits, producer);
                float[] cs = w == null || !c.getInput(0).equals(x) ? null : smooth.get(w);
                if (cs == null || s != null && !java.util.Arrays.equals(s, cs)) {
                    ok = false;
                    break;
                }
                s = cs;
            }
            if (!ok || s == null) continue;
            OnnxMl.NodeProto p = producer.get(x);
            String prefix = "precis_fold" + k;
            if (p.getOpType().equals("LayerNormalization") && p.getInputCount() >= 2 && perChannel(byName.get(p.getInput(1)), s.length)
                    && (p.getInputCount() < 3 || p.getInput(2).isEmpty() || perChannel(byName.get(p.getInput(2)), s.length))) {
                Map<Integer, String> r = new HashMap<>();
                r.put(1, divided(b, byName.get(p.getInput(1)), s, prefix + "_gamma"));
                if (p.getInputCount() >= 3 && !p.getInput(2).isEmpty()) r.put(2, divided(b, byName.get(p.getInput(2)), s, prefix + "_beta"));
                renamed.put(p.getName() + "|" + p.getOutput(0), r);
            } else if (p.getOpType().equals("Add") && p.getInputCount() == 2) {
                int bi = perChannel(byName.get(p.getInput(1)), s.length) ? 1 : perChannel(byName.get(p.getInput(0)), s.length) ? 0 : -1;
                if (bi < 0) continue;
                String y = p.getInput(1 - bi);
                OnnxMl.NodeProto m = producer.get(y);
                if (m == null || !m.getOpType().equals("Mul") || m.getInputCount() != 2 || outputs.contains(y)
                        || consumers.getOrDefault(y, List.of()).size() != 1) continue;
                int gi = perChannel(byName.get(m.getInput(1)), s.length) ? 1 : perChannel(byName.get(m.getInput(0)), s.length) ? 0 : -1;
                if (gi < 0) continue;
                renamed.put(m.getName() + "|" + m.getOutput(0), Map.of(gi, divided(b, byName.get(m.getInput(gi)), s, prefix + "_gamma")));
                renamed.put(p.getName() + "|" + p.getOutput(0), Map.of(bi, divided(b, byName.get(p.getInput(bi)), s, prefix + "_beta")));
            } else if (p.getOpType().equals("Mul") && p.getInputCount() == 2) {
                // RMSNorm's scale (Llama): x = normed · γ, no β
                int gi = perChannel(byName.get(p.getInput(1)), s.length) ? 1 : perChannel(byName.get(p.getInput(0)), s.length) ? 0 : -1;
                if (gi < 0) continue;
                renamed.put(p.getName() + "|" + p.getOutput(0), Map.of(gi, divided(b, byName.get(p.getInput(gi)), s, prefix + "_gamma")));
            } else {
                continue;
            }
            k++;
            folded.add(x);
        }
        return folded;
    }

    /** Whether an initializer is float32 with exactly {@code n} values along one (last) axis. */
    private static boolean perChannel(OnnxMl.TensorProto t, int n) {
        if (t == null || t.getDataType() != 1 || t.getDimsCount() == 0) return false;
        long count = 1;
        for (long d : t.getDimsList()) count *= d;
        return count == n && t.getDims(t.getDimsCount() - 1) == n;
    }

    private static String divided(OnnxMl.GraphProto.Builder b, OnnxMl.TensorProto t, float[] s, String name) {
        float[] v = floatsOf(t);
        for (int i = 0; i < v.length; i++) v[i] /= s[i];
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        b.addInitializer(floats(name, v, dims));
        return name;
    }

    private static float[] floatsOf(OnnxMl.TensorProto t) {
        if (!t.getRawData().isEmpty()) {
            java.nio.FloatBuffer fb = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            float[] v = new float[fb.remaining()];
            fb.get(v);
            return v;
        }
        float[] v = new float[t.getFloatDataCount()];
        for (int i = 0; i < v.length; i++) v[i] = t.getFloatData(i);
        return v;
    }

    /** The weight initializer a MatMul/Gemm multiplies by (through Transpose/Cast/...), or null. */
    private static String weightOf(OnnxMl.NodeProto n, Set<String> inits, Map<String, OnnxMl.NodeProto> producer) {
        if (!(n.getOpType().equals("MatMul") || n.getOpType().equals("Gemm")) || n.getInputCount() < 2) return null;
        String w = n.getInput(1);
        for (int hop = 0; hop < 3 && !inits.contains(w); hop++) {
            OnnxMl.NodeProto p = producer.get(w);
            if (p == null || !OnnxLayers.PASS_THROUGH.contains(p.getOpType()) || p.getInputCount() == 0) break;
            w = p.getInput(0);
        }
        return inits.contains(w) ? w : null;
    }

    private static String fakeQuant(OnnxMl.GraphProto.Builder b, String x, ActivationQuant q, float[] smooth, String p, long opset) {
        boolean fp8 = q.element() == ActivationQuant.Element.FP8_E4M3;
        float maxCode = fp8 ? 448f : q.fullRange() ? 127.5f : 127f;
        String in = x;
        if (smooth != null) {
            b.addInitializer(floats(p + "_smooth", smooth, smooth.length));
            in = node(b, "Div", p + "_x", in, p + "_smooth");
        }
        if (q.asymmetric()) return asymmetric(b, in, q, p, opset);
        String scale;
        if (!q.dynamic()) {
            b.addInitializer(floats(p + "_scale", new float[] {q.staticScale()}));
            scale = p + "_scale";
        } else {
            String abs = node(b, "Abs", p + "_abs", in);
            OnnxMl.NodeProto.Builder rm = OnnxMl.NodeProto.newBuilder().setOpType("ReduceMax").setName(p + "_max").addInput(abs)
                    .addOutput(p + "_max").addAttribute(intAttr("keepdims", q.granularity() == ActivationQuant.Granularity.PER_TOKEN ? 1 : 0));
            if (q.granularity() == ActivationQuant.Granularity.PER_TOKEN) {
                if (opset >= 18) {
                    b.addInitializer(OnnxMl.TensorProto.newBuilder().setName(p + "_axes").setDataType(7).addDims(1).addInt64Data(-1));
                    rm.addInput(p + "_axes");
                } else {
                    rm.addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axes").setType(OnnxMl.AttributeProto.AttributeType.INTS).addInts(-1));
                }
            }
            b.addNode(rm);
            b.addInitializer(floats(p + "_qmax", new float[] {maxCode}));
            // a row of zeros has scale 0: any positive scale gives it zeros back
            b.addInitializer(floats(p + "_tiny", new float[] {Float.MIN_NORMAL}));
            String s0 = node(b, "Div", p + "_s0", p + "_max", p + "_qmax");
            scale = node(b, "Max", p + "_s", s0, p + "_tiny");
        }
        b.addInitializer(floats(p + "_lo", new float[] {fp8 ? -448f : q.fullRange() ? -128f : -127f}));
        b.addInitializer(floats(p + "_hi", new float[] {fp8 ? 448f : 127f}));
        String d = node(b, "Div", p + "_d", in, scale);
        String c = node(b, "Min", p + "_c", node(b, "Max", p + "_c0", d, p + "_lo"), p + "_hi");
        if (fp8) {
            // quantum of v's binade (subnormals share the smallest, 2^-9): 2^(max(floor(ln|v| / ln 2), -6) - 3)
            b.addInitializer(floats(p + "_ln2", new float[] {(float) Math.log(2)}));
            b.addInitializer(floats(p + "_emin", new float[] {-6f}));
            b.addInitializer(floats(p + "_mant", new float[] {3f}));
            b.addInitializer(floats(p + "_two", new float[] {2f}));
            String log2 = node(b, "Div", p + "_log2", node(b, "Log", p + "_ln", node(b, "Abs", p + "_cabs", c)), p + "_ln2");
            String e = node(b, "Max", p + "_e", node(b, "Floor", p + "_fl", log2), p + "_emin");
            String step = node(b, "Pow", p + "_step", p + "_two", node(b, "Sub", p + "_em", e, p + "_mant"));
            String m = node(b, "Mul", p + "_m", node(b, "Round", p + "_r", node(b, "Div", p + "_dm", c, step)), step);
            return node(b, "Mul", p + "_y", m, scale);
        }
        String r = node(b, "Round", p + "_r", c);
        return node(b, "Mul", p + "_y", r, scale);
    }

    /** uint8 codes with a zero point, per token or per tensor: {@link ActivationQuant#apply}'s asymmetric arithmetic. */
    private static String asymmetric(OnnxMl.GraphProto.Builder b, String in, ActivationQuant q, String p, long opset) {
        boolean perToken = q.granularity() == ActivationQuant.Granularity.PER_TOKEN;
        b.addInitializer(floats(p + "_zero", new float[] {0f}));
        b.addInitializer(floats(p + "_255", new float[] {255f}));
        b.addInitializer(floats(p + "_tiny", new float[] {Float.MIN_NORMAL}));
        String hi = node(b, "Max", p + "_hi", reduce(b, "ReduceMax", in, p + "_max", perToken, opset), p + "_zero");
        String lo = node(b, "Min", p + "_lo", reduce(b, "ReduceMin", in, p + "_min", perToken, opset), p + "_zero");
        String s = node(b, "Max", p + "_s", node(b, "Div", p + "_s0", node(b, "Sub", p + "_range", hi, lo), p + "_255"), p + "_tiny");
        String zp = node(b, "Round", p + "_zp", node(b, "Div", p + "_zp0", node(b, "Neg", p + "_nlo", lo), s));
        String codes = node(b, "Add", p + "_q0", node(b, "Round", p + "_r", node(b, "Div", p + "_d", in, s)), zp);
        String c = node(b, "Min", p + "_c", node(b, "Max", p + "_c0", codes, p + "_zero"), p + "_255");
        return node(b, "Mul", p + "_y", node(b, "Sub", p + "_qz", c, zp), s);
    }

    private static String reduce(OnnxMl.GraphProto.Builder b, String op, String in, String out, boolean lastAxis, long opset) {
        OnnxMl.NodeProto.Builder rm = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(out).addInput(in).addOutput(out)
                .addAttribute(intAttr("keepdims", lastAxis ? 1 : 0));
        if (lastAxis) {
            if (opset >= 18) {
                b.addInitializer(OnnxMl.TensorProto.newBuilder().setName(out + "_axes").setDataType(7).addDims(1).addInt64Data(-1));
                rm.addInput(out + "_axes");
            } else {
                rm.addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axes").setType(OnnxMl.AttributeProto.AttributeType.INTS).addInts(-1));
            }
        }
        b.addNode(rm);
        return out;
    }

    private static String node(OnnxMl.GraphProto.Builder b, String op, String out, String... inputs) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(out).addOutput(out);
        for (String i : inputs) n.addInput(i);
        b.addNode(n);
        return out;
    }

    private static OnnxMl.AttributeProto intAttr(String name, long v) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT).setI(v).build();
    }

    /** A float32 initializer: a scalar when {@code dims} is empty. */
    static OnnxMl.TensorProto floats(String name, float[] v, long... dims) {
        ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) bb.putFloat(f);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(1).setRawData(ByteString.copyFrom(bb.flip()));
        for (long d : dims) t.addDims(d);
        return t.build();
    }
}
