package io.precis.engine.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.precis.engine.io.AtomicFiles;
import io.precis.engine.io.WriteFailed;
import io.precis.engine.model.Model;
import io.precis.engine.model.onnx.OnnxBackend;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A plan as a quantized ONNX model in the QDQ form ONNX Runtime and other ONNX tools load: every quantized weight
 * initializer becomes integer codes (INT4/UINT4 packed two per byte, INT8/UINT8) with float32 scales and, when
 * asymmetric, zero points, feeding a DequantizeLinear node whose output keeps the weight's name, so the rest of
 * the graph is untouched. Per-channel scales use DequantizeLinear's {@code axis}, groups its {@code block_size}
 * (opset 21), so the graph is raised to opset 21 first ({@link OnnxOpset}).
 *
 * <p>The codes and scales are those of Precis's own encoding, which decodes bit for bit to the fake-quantized
 * weights every analysis evaluates; DequantizeLinear computes {@code (code - zero_point) · scale} in float32,
 * the same product. int2/int3 codes are stored in INT4 and int5..int7 in INT8 containers (ONNX has no narrower
 * types; the values are exactly the plan's). GPTQ layers are stored as GPTQ's codes on the original weights'
 * scales; AWQ layers as RTN(W·diag(s)) with a {@code Div} by s on the MatMul's input, the same function
 * (folding 1/s into a LayerNorm is not exact in BERT-style graphs, whose normalised output also feeds the residual,
 * and Precis searches s per layer, so Q, K and V reading one norm have different s). GPTQ with dynamic act-order has
 * its groups scattered over the input features while DequantizeLinear's blocks are contiguous: its weight rows are
 * stored sorted by group and the MatMul's input is gathered in the same order (a Gather on the last axis), exact up
 * to the order of the sum.
 * Formats with a float element or a lookup table and llama.cpp's block formats are refused with every such layer
 * named, and nothing is written.
 */
public final class OnnxQdq {

    /** What was written. */
    public record Report(Path file, int layers, int tensors, long bytes, long opsetFrom, List<String> notes) {
        public String describe() {
            return String.format(Locale.ROOT, "Wrote %s: ONNX QDQ, %d quantized layers (%d weight tensors as DequantizeLinear), %.1f MB, opset %d%s%s",
                    file, layers, tensors, bytes / 1e6, OnnxOpset.TARGET, opsetFrom < OnnxOpset.TARGET ? " (raised from " + opsetFrom + ")" : "",
                    notes.isEmpty() ? "" : "; " + String.join("; ", notes));
        }
    }

    private OnnxQdq() {}

    /** Writes the plan's model to {@code file} atomically; the directory must exist and the file must not be the model's own. */
    public static Report write(Plan plan, Model model, Path file) {
        return write(plan, model, file, Calibrated.none(plan));
    }

    /** As {@link #write(Plan, Model, Path)}, with the GPTQ/AWQ layers' weights and the static input scales from {@code calibrated}. */
    public static Report write(Plan plan, Model model, Path file, Calibrated calibrated) {
        Path abs = file.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new WriteFailed(file, "its directory does not exist", null);
        refuseModelFile(model, abs, file);
        List<String> notes = new ArrayList<>();
        OnnxMl.ModelProto original = graphOf(model);
        OnnxMl.ModelProto out = build(plan, model, original, calibrated, notes);
        byte[] bytes = out.toByteArray();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
            Files.write(tmp, bytes);
            AtomicFiles.moveInto(tmp, abs);
        } catch (IOException e) {
            throw new WriteFailed(file, e.getMessage(), e);
        } finally {
            if (tmp != null) try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* moved or never written */ }
        }
        int layers = (int) plan.layers().stream().filter(LayerPlan::isQuantized).count();
        int tensors = (int) out.getGraph().getNodeList().stream().filter(n -> n.getName().endsWith(DQ_SUFFIX) && !n.getName().contains("_input_q")).count();
        return new Report(file, layers, tensors, bytes.length, OnnxOpset.of(original), notes);
    }

    static OnnxMl.ModelProto graphOf(Model model) {
        return model.backend(OnnxBackend.class).map(OnnxBackend::graphProto).orElseThrow(() -> new IllegalArgumentException(
                "an ONNX export needs a model loaded from ONNX; " + model.name() + " runs on " + model.engine()
                        + " (export its plan as compressed-tensors or modelopt instead)"));
    }

    /** A user's model file is never replaced by an export. */
    static void refuseModelFile(Model model, Path abs, Path shown) {
        try {
            Path src = Path.of(model.source()).toAbsolutePath().normalize();
            if (src.equals(abs) || (Files.exists(abs) && Files.exists(src) && Files.isSameFile(src, abs)))
                throw new WriteFailed(shown, "it is the model's own file, which Precis never overwrites; choose another name", null);
        } catch (java.nio.file.InvalidPathException | IOException e) {
            // a source that is not a path (maven:..., a block) cannot be the target
        }
    }

    static final String DQ_SUFFIX = "_DequantizeLinear";

    /** The quantized graph (in memory; nothing written). */
    static OnnxMl.ModelProto build(Plan plan, Model model, OnnxMl.ModelProto original, List<String> notes) {
        return build(plan, model, original, Calibrated.none(plan), notes);
    }

    static OnnxMl.ModelProto build(Plan plan, Model model, OnnxMl.ModelProto original, Calibrated calibrated, List<String> notes) {
        Set<String> initializers = new HashSet<>();
        original.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        List<QuantizedWeights.Tensor> tensors = QuantizedWeights.encode(plan, model, calibrated, "ONNX QDQ", (l, t) -> {
            if (!initializers.contains(t.name())) return "its weight " + t.name() + " is not an initializer of the graph";
            boolean dynamic = l.algorithm() instanceof io.precis.engine.algo.QuantAlgorithm.GptqAlgorithm g
                    && g.options().actOrder() == io.precis.engine.algo.Gptq.ActOrder.DYNAMIC
                    && l.format().granularity() instanceof io.precis.engine.format.Granularity.Groups;
            if (dynamic && t.channelAxis() != 1)
                return "GPTQ with dynamic act-order is written with its input features permuted (a Gather), which needs the weight as a"
                        + " MatMul's B [in, out]";
            if (l.algorithm().name().equals("awq") || dynamic) {
                for (OnnxMl.NodeProto n : original.getGraph().getNodeList())
                    for (int i = 0; i < n.getInputCount(); i++)
                        if (n.getInput(i).equals(t.name()) && !(n.getOpType().equals("MatMul") && i == 1))
                            return (dynamic ? "its dynamic act-order permutes" : "its AWQ scale divides") + " the input of the operation that reads "
                                    + t.name() + ", and here a " + n.getOpType() + " reads it as input " + i + " (a MatMul's B is needed)";
            }
            return null;
        }, false);
        OnnxMl.ModelProto raised = OnnxOpset.raise(original);
        OnnxMl.GraphProto g = raised.getGraph();
        Set<String> quantized = new HashSet<>();
        tensors.forEach(t -> quantized.add(t.ref().name()));
        Set<String> taken = new HashSet<>();
        g.getInitializerList().forEach(t -> taken.add(t.getName()));
        g.getNodeList().forEach(n -> taken.addAll(n.getOutputList()));
        g.getInputList().forEach(i -> taken.add(i.getName()));

        OnnxMl.GraphProto.Builder b = g.toBuilder().clearInitializer().clearNode().clearInput();
        for (OnnxMl.TensorProto t : g.getInitializerList()) if (!quantized.contains(t.getName())) b.addInitializer(t);
        // IR < 4 lists initializers among the inputs; a weight that is now a node's output must not be one
        for (OnnxMl.ValueInfoProto i : g.getInputList()) if (!quantized.contains(i.getName())) b.addInput(i);
        Set<String> containers = new LinkedHashSet<>();
        // GPTQ with dynamic act-order: the weight's rows (input features) sorted by group, so that each group is one
        // contiguous block, and the MatMul's input gathered in the same order: the same sum, in another order
        java.util.Map<String, String> gatherInput = new java.util.HashMap<>();
        List<QuantizedWeights.Tensor> stored = new ArrayList<>();
        for (QuantizedWeights.Tensor t : tensors) {
            if (t.groupIndex() == null) {
                stored.add(t);
                continue;
            }
            int[] perm = byGroup(t.groupIndex());
            String indices = fresh(t.ref().name() + "_act_order", taken);
            ByteBuffer buf = ByteBuffer.allocate(perm.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int p : perm) buf.putLong(p);
            b.addInitializer(tensor(indices, OnnxMl.TensorProto.DataType.INT64_VALUE, new long[] {perm.length}, ByteString.copyFrom(buf.array())));
            gatherInput.put(t.ref().name(), indices);
            stored.add(permuted(t, perm));
        }
        for (QuantizedWeights.Tensor t : stored) {
            String name = t.ref().name();
            int type = dataType(t);
            String codes = fresh(name + "_quantized", taken), scale = fresh(name + "_scale", taken);
            b.addInitializer(tensor(codes, type, toLongs(t.dims()), pack(t, i -> t.encoded().code(i), t.encoded().size())));
            b.addInitializer(scales(scale, t));
            OnnxMl.NodeProto.Builder dq = OnnxMl.NodeProto.newBuilder().setOpType("DequantizeLinear").setName(name + DQ_SUFFIX)
                    .addInput(codes).addInput(scale).addOutput(name);
            if (!t.signed()) {
                String zp = fresh(name + "_zero_point", taken);
                b.addInitializer(tensor(zp, type, t.scaleDims(), pack(t, k -> t.encoded().zeroPoint(k), t.encoded().groupCount())));
                dq.addInput(zp);
            }
            if (t.axis() >= 0) dq.addAttribute(intAttribute("axis", t.axis()));
            if (t.block() > 0) dq.addAttribute(intAttribute("block_size", t.block()));
            b.addNode(dq);
            if (t.bits() != 4 && t.bits() != 8) containers.add("int" + t.bits() + " codes in " + (t.bits() < 4 ? "INT4" : "INT8") + " containers");
        }
        // AWQ: the input of each MatMul reading the weight divided by s (per input feature, broadcast on the last axis)
        java.util.Map<String, String> awqInput = new java.util.HashMap<>();
        for (QuantizedWeights.Tensor t : tensors) {
            if (t.inputScales() == null) continue;
            String name = t.ref().name(), s = fresh(name + "_awq_scale", taken);
            ByteBuffer buf = ByteBuffer.allocate(t.inputScales().length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : t.inputScales()) buf.putFloat(v);
            b.addInitializer(tensor(s, OnnxMl.TensorProto.DataType.FLOAT_VALUE, new long[] {t.inputScales().length}, ByteString.copyFrom(buf.array())));
            awqInput.put(name, s);
        }
        // quantized inputs, by the weight their MatMul reads
        java.util.Map<String, io.precis.engine.algo.ActivationQuant> inputQuant = new java.util.HashMap<>();
        calibrated.activations().forEach((layer, q) -> inputQuant.put(model.layer(layer).weight().name(), q));
        java.util.Map<String, String> quantizedInputs = new java.util.HashMap<>();    // (input, quantizer) -> its tensor
        Set<String> found = new HashSet<>();
        int awqLayers = 0;
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            boolean matmul = n.getOpType().equals("MatMul") && n.getInputCount() == 2;
            String s = matmul ? awqInput.get(n.getInput(1)) : null;
            io.precis.engine.algo.ActivationQuant aq = matmul ? inputQuant.get(n.getInput(1)) : null;
            String gather = matmul ? gatherInput.get(n.getInput(1)) : null;
            if (s == null && aq == null && gather == null) {
                b.addNode(n);
                continue;
            }
            String x = n.getInput(0);
            if (aq != null) {
                found.add(n.getInput(1));
                String key = x + "|" + aq + "|" + aq.staticScale();
                String y = quantizedInputs.get(key);
                if (y == null) {
                    y = quantizeInput(b, x, aq, fresh(x + "_input_q", taken), taken);
                    quantizedInputs.put(key, y);
                }
                x = y;
            }
            // AWQ's weights are RTN(W·s)/s: the (quantized) input times 1/s, then the stored RTN(W·s)
            if (s != null) {
                String divided = fresh(n.getInput(0) + "_awq_" + n.getInput(1), taken);
                b.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Div").setName(n.getInput(1) + "_AwqScale").addInput(x).addInput(s)
                        .addOutput(divided));
                x = divided;
                awqLayers++;
            }
            if (gather != null) {
                String gathered = fresh(n.getInput(0) + "_act_order_" + n.getInput(1), taken);
                b.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Gather").setName(n.getInput(1) + "_ActOrder").addInput(x).addInput(gather)
                        .addOutput(gathered).addAttribute(intAttribute("axis", -1)));
                x = gathered;
            }
            b.addNode(n.toBuilder().setInput(0, x));
        }
        if (!gatherInput.isEmpty()) notes.add(gatherInput.size() + " GPTQ layers with dynamic act-order, their input features gathered in group order");
        for (String w : inputQuant.keySet())
            if (!found.contains(w))
                throw new IllegalArgumentException("ONNX QDQ cannot quantize the input of the layer whose weight is " + w + ": no MatMul reads it directly");
        if (awqLayers > 0) notes.add(awqLayers + " AWQ layers with their input divided by s (Div) before the MatMul");
        if (!inputQuant.isEmpty()) notes.add(inputQuant.size() + " layers with int8 inputs (" + quantizedInputs.size() + " quantized tensors)");
        notes.addAll(containers);
        if (tensors.stream().anyMatch(t -> t.fitted().scaleType() != io.precis.engine.format.ScaleType.FP32))
            notes.add("scales stored as float32 (their values are the plan's fp16/bf16-rounded ones)");
        return raised.toBuilder().setGraph(b).setProducerName("precis").setProducerVersion("export " + OnnxOpset.TARGET).build();
    }

    /**
     * A layer input's int8 quantization: static per tensor as QuantizeLinear/DequantizeLinear (a Clip to ±127·s first
     * on Precis's grid, whose codes stop at −127 where INT8 goes to −128), dynamic (per token or per tensor) as the
     * standard-op subgraph the evaluation itself runs ({@link io.precis.engine.model.onnx.OnnxActivations}), since
     * QuantizeLinear takes one fixed scale. Returns the dequantized tensor's name.
     */
    private static String quantizeInput(OnnxMl.GraphProto.Builder b, String x, io.precis.engine.algo.ActivationQuant q, String p, Set<String> taken) {
        if (q.dynamic()) {
            String y = io.precis.engine.model.onnx.OnnxActivations.insert(b, x, q, p, OnnxOpset.TARGET);
            taken.add(y);
            return y;
        }
        float s = q.staticScale();
        String scale = p + "_scale", zero = p + "_zero_point";
        b.addInitializer(tensor(scale, OnnxMl.TensorProto.DataType.FLOAT_VALUE, new long[0], floatBytes(s)));
        b.addInitializer(tensor(zero, OnnxMl.TensorProto.DataType.INT8_VALUE, new long[0], ByteString.copyFrom(new byte[] {0})));
        String in = x;
        if (!q.fullRange()) {
            b.addInitializer(tensor(p + "_lo", OnnxMl.TensorProto.DataType.FLOAT_VALUE, new long[0], floatBytes(-127f * s)));
            b.addInitializer(tensor(p + "_hi", OnnxMl.TensorProto.DataType.FLOAT_VALUE, new long[0], floatBytes(127f * s)));
            in = p + "_clipped";
            b.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Clip").setName(in).addInput(x).addInput(p + "_lo").addInput(p + "_hi").addOutput(in));
        }
        b.addNode(OnnxMl.NodeProto.newBuilder().setOpType("QuantizeLinear").setName(p + "_QuantizeLinear").addInput(in).addInput(scale).addInput(zero)
                .addOutput(p + "_int8"));
        b.addNode(OnnxMl.NodeProto.newBuilder().setOpType("DequantizeLinear").setName(p + "_DequantizeLinear").addInput(p + "_int8").addInput(scale)
                .addInput(zero).addOutput(p));
        return p;
    }

    /** The input features sorted by their group (stable): position p holds feature perm[p]. */
    static int[] byGroup(int[] groupIndex) {
        return java.util.stream.IntStream.range(0, groupIndex.length).boxed()
                .sorted(java.util.Comparator.comparingInt(c -> groupIndex[c])).mapToInt(Integer::intValue).toArray();
    }

    /**
     * A dynamic act-order tensor ([in, out], scales [out][groups]) with its rows in {@code perm} order, groups as
     * contiguous blocks of the reduction axis: codes [in, out], scales and zero points [groups, out].
     */
    private static QuantizedWeights.Tensor permuted(QuantizedWeights.Tensor t, int[] perm) {
        int in = t.dims()[0], out = t.dims()[1];
        QuantizedWeights.Codes e = t.encoded();
        int groups = e.groupCount() / out;
        int[] codes = new int[in * out];
        for (int p = 0; p < in; p++) System.arraycopy(e.codes(), perm[p] * out, codes, p * out, out);
        float[] scales = new float[groups * out];
        int[] zeros = new int[groups * out];
        for (int o = 0; o < out; o++)
            for (int g = 0; g < groups; g++) {
                scales[g * out + o] = e.scale(o * groups + g);
                zeros[g * out + o] = e.zeroPoint(o * groups + g);
            }
        return new QuantizedWeights.Tensor(t.layer(), t.ref(), t.fitted(), t.dims(), new QuantizedWeights.Codes(codes, scales, zeros),
                t.axis(), t.block(), t.inputScales(), null);
    }

    private static ByteString floatBytes(float v) {
        return ByteString.copyFrom(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array());
    }

    private static int dataType(QuantizedWeights.Tensor t) {
        boolean four = t.bits() <= 4;
        if (t.signed()) return four ? 22 : OnnxMl.TensorProto.DataType.INT8_VALUE;   // 22: INT4 (IR 10)
        return four ? 21 : OnnxMl.TensorProto.DataType.UINT8_VALUE;                  // 21: UINT4
    }

    /** Values packed as the tensor's container stores them: one per byte, or two 4-bit ones per byte, low nibble first. */
    private static ByteString pack(QuantizedWeights.Tensor t, java.util.function.IntUnaryOperator value, int n) {
        if (t.bits() > 4) {
            byte[] out = new byte[n];
            for (int i = 0; i < n; i++) out[i] = (byte) value.applyAsInt(i);
            return ByteString.copyFrom(out);
        }
        byte[] out = new byte[(n + 1) / 2];
        for (int i = 0; i < n; i++) out[i >> 1] |= (byte) ((value.applyAsInt(i) & 0xF) << ((i & 1) * 4));
        return ByteString.copyFrom(out);
    }

    private static OnnxMl.TensorProto scales(String name, QuantizedWeights.Tensor t) {
        QuantizedWeights.Codes e = t.encoded();
        ByteBuffer buf = ByteBuffer.allocate(e.groupCount() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < e.groupCount(); k++) buf.putFloat(e.scale(k));
        return tensor(name, OnnxMl.TensorProto.DataType.FLOAT_VALUE, t.scaleDims(), ByteString.copyFrom(buf.array()));
    }

    private static OnnxMl.TensorProto tensor(String name, int type, long[] dims, ByteString raw) {
        OnnxMl.TensorProto.Builder p = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(type).setRawData(raw);
        for (long d : dims) p.addDims(d);
        return p.build();
    }

    private static OnnxMl.AttributeProto intAttribute(String name, long v) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static long[] toLongs(int[] d) {
        long[] l = new long[d.length];
        for (int i = 0; i < d.length; i++) l[i] = d[i];
        return l;
    }

    private static String fresh(String name, Set<String> taken) {
        String n = name;
        for (int i = 1; !taken.add(n); i++) n = name + "_" + i;
        return n;
    }
}
