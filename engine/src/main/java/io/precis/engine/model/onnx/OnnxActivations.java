package io.precis.engine.model.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.precis.engine.algo.ActivationQuant;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
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
    static byte[] rewrite(OnnxMl.ModelProto proto, Map<String, ActivationQuant> quant, Map<String, float[]> smooth) {
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
        Map<String, String> made = new LinkedHashMap<>();   // (input, spec, smoothing) -> fake-quantized tensor
        Set<String> found = new HashSet<>();
        int[] id = {0};
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            String weight = weightOf(n, inits, producer);
            ActivationQuant q = weight == null ? null : quant.get(weight);
            if (q == null) {
                b.addNode(n);
                continue;
            }
            if (q.element() != ActivationQuant.Element.INT8) throw new IllegalArgumentException("only int8 activations are evaluated, not " + q);
            found.add(weight);
            float[] s = smooth.get(weight);
            String x = n.getInput(0);
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
        return proto.toBuilder().setGraph(b).build().toByteArray();
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
        float maxCode = q.fullRange() ? 127.5f : 127f;
        String in = x;
        if (smooth != null) {
            b.addInitializer(floats(p + "_smooth", smooth, smooth.length));
            in = node(b, "Div", p + "_x", in, p + "_smooth");
        }
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
        b.addInitializer(floats(p + "_lo", new float[] {q.fullRange() ? -128f : -127f}));
        b.addInitializer(floats(p + "_hi", new float[] {127f}));
        String d = node(b, "Div", p + "_d", in, scale);
        String c = node(b, "Min", p + "_c", node(b, "Max", p + "_c0", d, p + "_lo"), p + "_hi");
        String r = node(b, "Round", p + "_r", c);
        return node(b, "Mul", p + "_y", r, scale);
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
    private static OnnxMl.TensorProto floats(String name, float[] v, long... dims) {
        ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) bb.putFloat(f);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(1).setRawData(ByteString.copyFrom(bb.flip()));
        for (long d : dims) t.addDims(d);
        return t.build();
    }
}
