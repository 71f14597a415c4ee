package io.precis.engine.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.precis.engine.io.AtomicFiles;
import io.precis.engine.io.WriteFailed;
import io.precis.engine.model.Model;
import io.precis.engine.model.onnx.OnnxBackend;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import io.precis.engine.calib.PlanQuantizer;
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
 * and Precis searches s per layer, so Q, K and V reading one norm have different s). GPTQ with dynamic act-order is
 * refused: its groups are scattered over the input features, and DequantizeLinear's blocks are contiguous.
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
        return write(plan, model, file, null);
    }

    /** As {@link #write(Plan, Model, Path)}, the GPTQ/AWQ layers' weights from {@code calibrated} (may be null without such layers). */
    public static Report write(Plan plan, Model model, Path file, PlanQuantizer.Result calibrated) {
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
        int tensors = (int) out.getGraph().getNodeList().stream().filter(n -> n.getName().endsWith(DQ_SUFFIX)).count();
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
        return build(plan, model, original, null, notes);
    }

    static OnnxMl.ModelProto build(Plan plan, Model model, OnnxMl.ModelProto original, PlanQuantizer.Result calibrated, List<String> notes) {
        Set<String> initializers = new HashSet<>();
        original.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        List<QuantizedWeights.Tensor> tensors = QuantizedWeights.encode(plan, model, calibrated, "ONNX QDQ", (l, t) -> {
            if (!initializers.contains(t.name())) return "its weight " + t.name() + " is not an initializer of the graph";
            if (l.algorithm() instanceof io.precis.engine.algo.QuantAlgorithm.GptqAlgorithm g
                    && g.options().actOrder() == io.precis.engine.algo.Gptq.ActOrder.DYNAMIC
                    && l.format().granularity() instanceof io.precis.engine.format.Granularity.Groups)
                return "GPTQ with dynamic act-order forms its groups from scattered input features (g_idx), and DequantizeLinear's blocks are"
                        + " contiguous; use act-order static (groups in column order) or export as compressed-tensors, which stores g_idx";
            if (l.algorithm().name().equals("awq")) {
                for (OnnxMl.NodeProto n : original.getGraph().getNodeList())
                    for (int i = 0; i < n.getInputCount(); i++)
                        if (n.getInput(i).equals(t.name()) && !(n.getOpType().equals("MatMul") && i == 1))
                            return "its AWQ scale divides the input of the operation that reads " + t.name() + ", and here a "
                                    + n.getOpType() + " reads it as input " + i + " (a MatMul's B is needed)";
            }
            return null;
        });
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
        for (QuantizedWeights.Tensor t : tensors) {
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
        int awqLayers = 0;
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            String s = n.getOpType().equals("MatMul") && n.getInputCount() == 2 ? awqInput.get(n.getInput(1)) : null;
            if (s == null) {
                b.addNode(n);
                continue;
            }
            String divided = fresh(n.getInput(0) + "_awq_" + n.getInput(1), taken);
            b.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Div").setName(n.getInput(1) + "_AwqScale").addInput(n.getInput(0)).addInput(s)
                    .addOutput(divided));
            b.addNode(n.toBuilder().setInput(0, divided));
            awqLayers++;
        }
        if (awqLayers > 0) notes.add(awqLayers + " AWQ layers with their input divided by s (Div) before the MatMul");
        notes.addAll(containers);
        if (tensors.stream().anyMatch(t -> t.fitted().scaleType() != io.precis.engine.format.ScaleType.FP32))
            notes.add("scales stored as float32 (their values are the plan's fp16/bf16-rounded ones)");
        return raised.toBuilder().setGraph(b).setProducerName("precis").setProducerVersion("export " + OnnxOpset.TARGET).build();
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
