package io.precis.engine.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.engine.format.Format;
import io.precis.engine.format.Granularity;
import io.precis.engine.io.AtomicFiles;
import io.precis.engine.io.WriteFailed;
import io.precis.engine.model.LayerKind;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.TensorRef;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import io.precis.engine.algo.Gptq;
import io.precis.engine.algo.QuantAlgorithm;
import io.precis.engine.calib.PlanQuantizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A plan as a compressed-tensors checkpoint (the {@code pack-quantized} format llm-compressor writes and vLLM
 * loads) plus the llm-compressor recipe that reproduces it:
 * <ul>
 * <li>{@code model.safetensors}: for each quantized linear layer {@code L}, {@code L.weight_packed} (int32, the
 *     [out, in] codes offset by 2^(bits−1) and packed densely along {@code in}, lowest bits first, as
 *     compressed-tensors' {@code pack_to_int32}: ceil(in·bits/32) words a row), {@code L.weight_scale} ([out, in/group], [out, 1] per channel or
 *     [1] per tensor, in the plan's scale type), {@code L.weight_zero_point} when asymmetric (packed along
 *     {@code out} for channel and group scales), {@code L.weight_shape}; every other tensor as float32 under its
 *     module name ({@code L.weight} as [out, in], {@code L.bias});</li>
 * <li>{@code config.json}: {@code quantization_config} with one config group per distinct weight scheme, whose
 *     targets are regexes naming its layers (mixed precision), and the unquantized linear layers in {@code ignore};</li>
 * <li>{@code recipe.yaml}: one stage per algorithm and options (QuantizationModifier for round to nearest,
 *     GPTQModifier with {@code block_size}, {@code dampening_frac} and {@code actorder}) with the same groups and
 *     ignore list.</li>
 * </ul>
 * GPTQ layers hold GPTQ's codes (from the plan's calibration, {@link PlanQuantizer.Result}); with dynamic act-order
 * ({@code actorder: group}) also {@code L.weight_g_idx} (int32, each input feature's group), the scales then being
 * per group in g_idx's numbering. AWQ layers are refused: their per-input-channel scales must be folded into the
 * operation before (llm-compressor folds them into the preceding norm, shared by the layers reading it), and Precis
 * searches one per layer, which no single norm can hold.
 * Only what compressed-tensors' integer grid states exactly is written: symmetric layers must use its grid
 * ({@code grid compressed-tensors}: int4 codes −8..7, scale absmax/7.5), since Precis's default (±7, absmax/7)
 * would make llm-compressor quantize differently from what was measured; asymmetric layers match as they are.
 */
public final class CompressedTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The compressed-tensors version whose format this follows: 0.20 packs 3, 5, 6 and 7-bit codes densely across
     * words (vllm-project/compressed-tensors#732; 0.19 left the spare bits of each word empty); 2, 4 and 8 bits are
     * the same in both. {@code tests/reference/check_compressed_tensors.py} decompresses an export with this version.
     */
    static final String VERSION = "0.20.1";

    public record Report(Path dir, int layers, int groups, long bytes) {
        public String describe() {
            return String.format(Locale.ROOT, "Wrote %s: compressed-tensors pack-quantized checkpoint (model.safetensors, config.json) "
                    + "and llm-compressor recipe.yaml; %d quantized layers in %d config group%s, %.1f MB", dir, layers, groups, groups == 1 ? "" : "s", bytes / 1e6);
        }
    }

    /** The weight scheme of a config group. */
    record Scheme(int bits, boolean symmetric, String strategy, int groupSize, String actorder, Input input) {
        Scheme(int bits, boolean symmetric, String strategy, int groupSize) {
            this(bits, symmetric, strategy, groupSize, null, null);
        }

        /** compressed-tensors' format of the group: int8 codes unpacked when the inputs are quantized too (what vLLM's W8A8 loads). */
        String format() { return input == null ? "pack-quantized" : "int-quantized"; }

        ObjectNode json() {
            ObjectNode w = JSON.createObjectNode();
            w.put("num_bits", bits);
            w.put("type", "int");
            w.put("symmetric", symmetric);
            w.put("strategy", strategy);
            if (groupSize > 0) w.put("group_size", groupSize);
            else w.putNull("group_size");
            w.put("dynamic", false);
            w.put("observer", "minmax");
            if (actorder != null) w.put("actorder", actorder);
            return w;
        }
    }

    private CompressedTensors() {}

    /** Writes the three files into {@code dir} (created when its parent exists), each atomically, after every check passed. */
    public static Report write(Plan plan, Model model, Path dir) {
        return write(plan, model, dir, Calibrated.none(plan));
    }

    /** As {@link #write(Plan, Model, Path)}, GPTQ layers and static input scales from {@code calibrated}. */
    public static Report write(Plan plan, Model model, Path dir, Calibrated calibrated) {
        Path abs = dir.toAbsolutePath().normalize();
        if (abs.getParent() == null || !Files.isDirectory(abs.getParent())) throw new WriteFailed(dir, "its parent directory does not exist", null);
        if (Files.exists(abs) && !Files.isDirectory(abs)) throw new WriteFailed(dir, "it is a file; compressed-tensors is a directory", null);
        Map<String, byte[]> files = build(plan, model, calibrated);
        long bytes = 0;
        try {
            Files.createDirectories(abs);
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Path target = abs.resolve(f.getKey()), tmp = Files.createTempFile(abs, "." + f.getKey(), ".tmp");
                try {
                    Files.write(tmp, f.getValue());
                    AtomicFiles.moveInto(tmp, target);
                } finally {
                    Files.deleteIfExists(tmp);
                }
                bytes += f.getValue().length;
            }
        } catch (IOException e) {
            throw new WriteFailed(dir, e.getMessage(), e);
        }
        int layers = (int) plan.layers().stream().filter(LayerPlan::isQuantized).count();
        return new Report(dir, layers, groups(plan).size(), bytes);
    }

    static String problem(LayerPlan l, TensorRef t) {
        Format f = l.format();
        if (l.algorithm().name().equals("awq"))
            return "its AWQ scales (one per input feature) would have to be folded into the operation before it, and compressed-tensors"
                    + " has no tensor for them: llm-compressor folds them into the preceding norm, shared by every layer reading it, while"
                    + " Precis searches each layer's own; export as onnx (which divides the input explicitly) or use gptq/rtn here";
        LayerKind k = l.layer().kind();
        if (k != LayerKind.LINEAR && k != LayerKind.HEAD) return "it is a " + k.label() + " layer; compressed-tensors quantizes Linear modules";
        if (t.shape().length != 2) return "its weight is not a matrix";
        if (l.layer().weights().size() != 1) return "it has " + l.layer().weights().size() + " weight tensors";
        if (f.granularity() instanceof Granularity.Blocks) return "its fixed blocks with shared exponents have no compressed-tensors integer scheme";
        if (f.isSymmetric() && !f.fullRange())
            return "it uses Precis's symmetric grid (int" + f.element().bits() + ": ±" + ((1 << (f.element().bits() - 1)) - 1) + ", absmax/"
                    + ((1 << (f.element().bits() - 1)) - 1) + "); compressed-tensors' is −" + (1 << (f.element().bits() - 1)) + ".."
                    + ((1 << (f.element().bits() - 1)) - 1) + " with absmax/" + ((1 << f.element().bits()) - 1) / 2.0
                    + ": add 'grid compressed-tensors' to its format (then the measured plan is what llm-compressor computes)";
        return null;
    }

    /** A quantized input: int8 symmetric, per token (dynamic) or per tensor (static: input_scale in the checkpoint, or dynamic). */
    record Input(String strategy, boolean dynamic) {
        ObjectNode json() {
            ObjectNode a = JSON.createObjectNode();
            a.put("num_bits", 8);
            a.put("type", "int");
            a.put("symmetric", true);
            a.put("strategy", strategy);
            a.putNull("group_size");
            a.put("dynamic", dynamic);
            if (dynamic) a.putNull("observer");
            else a.put("observer", "minmax");
            return a;
        }

        String yaml() {
            return "{num_bits: 8, type: int, symmetric: true, strategy: " + strategy + ", dynamic: " + dynamic
                    + (dynamic ? "" : ", observer: minmax") + "}";
        }
    }

    /** The layer's scheme: its weights, GPTQ's act-order as compressed-tensors names it, its quantized input. */
    static Scheme scheme(LayerPlan l, Plan plan) {
        Scheme s = scheme(l.format());
        String actorder = null;
        if (l.algorithm() instanceof QuantAlgorithm.GptqAlgorithm g && g.options().actOrder() != Gptq.ActOrder.NONE)
            actorder = g.options().actOrder() == Gptq.ActOrder.DYNAMIC && s.strategy().equals("group") ? "group" : "static";
        io.precis.engine.plan.ActivationSpec a = plan.activations().get(l.name());
        Input input = a == null ? null : new Input(a.granularity() == io.precis.engine.algo.ActivationQuant.Granularity.PER_TOKEN ? "token" : "tensor", a.dynamic());
        return new Scheme(s.bits(), s.symmetric(), s.strategy(), s.groupSize(), actorder, input);
    }

    static Scheme scheme(Format f) {
        return switch (f.granularity()) {
            case Granularity.PerTensor p -> new Scheme(f.element().bits(), f.isSymmetric(), "tensor", 0);
            case Granularity.PerChannel c -> new Scheme(f.element().bits(), f.isSymmetric(), "channel", 0);
            case Granularity.Groups g -> new Scheme(f.element().bits(), f.isSymmetric(), "group", g.size());
            default -> throw new IllegalArgumentException(f + " has no compressed-tensors scheme");
        };
    }

    /** Layers by scheme, in plan order. */
    static Map<Scheme, List<String>> groups(Plan plan) {
        Map<Scheme, List<String>> out = new LinkedHashMap<>();
        for (LayerPlan l : plan.layers())
            if (l.isQuantized()) out.computeIfAbsent(scheme(l, plan), s -> new ArrayList<>()).add(l.name());
        return out;
    }

    /** Layers by recipe modifier (the algorithm with its options: "rtn", "gptq (damp 0.01, ...)") and scheme, in plan order. */
    static Map<QuantAlgorithm, Map<Scheme, List<String>>> stages(Plan plan) {
        Map<QuantAlgorithm, Map<Scheme, List<String>>> out = new LinkedHashMap<>();
        for (LayerPlan l : plan.layers())
            if (l.isQuantized())
                out.computeIfAbsent(l.algorithm(), a -> new LinkedHashMap<>()).computeIfAbsent(scheme(l, plan), s -> new ArrayList<>()).add(l.name());
        return out;
    }

    /** File name to bytes; throws (naming every layer) before anything is written when the plan does not fit. */
    static Map<String, byte[]> build(Plan plan, Model model) {
        return build(plan, model, Calibrated.none(plan));
    }

    static Map<String, byte[]> build(Plan plan, Model model, Calibrated calibrated) {
        List<QuantizedWeights.Tensor> tensors = QuantizedWeights.encode(plan, model, calibrated, "compressed-tensors", CompressedTensors::problem, true);
        Map<String, QuantizedWeights.Tensor> byTensor = new LinkedHashMap<>();
        tensors.forEach(t -> byTensor.put(t.ref().name(), t));
        Map<String, Safetensors.Tensor> st = new LinkedHashMap<>();
        List<String> ignore = new ArrayList<>();
        for (LayerRef layer : model.layers()) {
            boolean linear = layer.kind() == LayerKind.LINEAR || layer.kind() == LayerKind.HEAD;
            if (linear && layer.weights().stream().noneMatch(t -> byTensor.containsKey(t.name()))) ignore.add(layer.name());
            for (TensorRef t : layer.tensors()) {
                QuantizedWeights.Tensor q = byTensor.get(t.name());
                if (q != null) {
                    Scheme scheme = scheme(q.layer(), plan);
                    if (scheme.input() != null) {
                        unpacked(layer.name(), q, st);
                        var aq = calibrated.activations().get(layer.name());
                        if (!aq.dynamic()) st.put(layer.name() + ".input_scale", new Safetensors.Tensor("F32", new long[] {1}, floats(new float[] {aq.staticScale()})));
                    } else {
                        packed(layer.name(), q, st);
                    }
                } else if (t.dtype().equals("float32")) {
                    boolean single = layer.tensors().stream().filter(o -> o.role() == t.role()).count() == 1;
                    String name = single && t.role() == TensorRef.Role.WEIGHT ? layer.name() + ".weight"
                            : single && t.role() == TensorRef.Role.BIAS ? layer.name() + ".bias" : t.name();
                    float[] w = model.fullPrecisionWeights(t);
                    long[] shape = t.shape();
                    if (shape.length == 2 && t.channelAxis() == 1 && linear) {
                        w = transpose(w, (int) shape[0], (int) shape[1]);
                        shape = new long[] {shape[1], shape[0]};
                    }
                    st.put(name, new Safetensors.Tensor("F32", shape, floats(w)));
                }
            }
        }
        Map<Scheme, List<String>> groups = groups(plan);
        ObjectNode qc = JSON.createObjectNode();
        qc.put("quant_method", "compressed-tensors");
        java.util.Set<String> formats = new java.util.TreeSet<>();
        groups.keySet().forEach(g -> formats.add(g.format()));
        qc.put("format", formats.size() == 1 ? formats.iterator().next() : formats.isEmpty() ? "pack-quantized" : "mixed-precision");
        qc.put("quantization_status", "compressed");
        ObjectNode cg = qc.putObject("config_groups");
        int i = 0;
        for (Map.Entry<Scheme, List<String>> g : groups.entrySet()) {
            ObjectNode group = cg.putObject("group_" + i++);
            group.putArray("targets").add(target(g.getValue()));
            group.set("weights", g.getKey().json());
            if (g.getKey().input() != null) group.set("input_activations", g.getKey().input().json());
            else group.putNull("input_activations");
            group.putNull("output_activations");
            group.put("format", g.getKey().format());
        }
        ArrayNode ig = qc.putArray("ignore");
        ignore.forEach(ig::add);
        qc.putNull("kv_cache_scheme");
        qc.put("version", VERSION);
        ObjectNode config = JSON.createObjectNode();
        config.set("quantization_config", qc);
        ObjectNode prov = config.putObject("precis");
        prov.put("model", model.name());
        prov.put("source", model.source());
        prov.put("sha256", model.modelHash());
        prov.put("note", "only quantization_config is meant for loaders; merge it into the model's own config.json");
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("model.safetensors", Safetensors.write(st, Map.of("format", "pt", "precis_model", model.name())));
        try {
            files.put("config.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        files.put("recipe.yaml", recipe(stages(plan), ignore, calibrated.weights()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return files;
    }

    /** One regex naming exactly these modules (llm-compressor's "re:" targets match the module's full name). */
    static String target(List<String> names) {
        List<String> escaped = names.stream().map(n -> n.replaceAll("([.\\[\\]()*+?^$|{}\\\\])", "\\\\$1")).toList();
        return "re:^(" + String.join("|", escaped) + ")$";
    }

    /** A single round-to-nearest stage (the plan's weight schemes), as before GPTQ layers existed. */
    static String recipe(Map<Scheme, List<String>> groups, List<String> ignore) {
        return recipe(Map.of(QuantAlgorithm.RTN, groups), ignore, null);
    }

    /**
     * The llm-compressor recipe (YAML; strings in JSON quoting, which YAML reads alike): one stage per algorithm and
     * options, so each modifier quantizes only its own layers (a stage's modifiers are a mapping, one per class).
     */
    static String recipe(Map<QuantAlgorithm, Map<Scheme, List<String>>> stages, List<String> ignore, PlanQuantizer.Result calibrated) {
        StringBuilder y = new StringBuilder("# llm-compressor recipe written by Precis: the plan's weight schemes, one stage per algorithm\n");
        if (calibrated != null && !calibrated.weights().isEmpty())
            y.append("# Precis calibrated on ").append(calibrated.batches()).append(" batches, ")
                    .append(calibrated.sequential() ? "sequentially (each layer's inputs from the quantized layers before it)"
                            : "every layer's inputs from the full-precision model").append("\n");
        int stage = 0, i = 0;
        for (Map.Entry<QuantAlgorithm, Map<Scheme, List<String>>> st : stages.entrySet()) {
            QuantAlgorithm a = st.getKey();
            String name = a.name().equals("rtn") ? "default" : a.name() + (stage == 0 ? "" : "_" + stage);
            y.append(name).append("_stage:\n  ").append(name).append("_modifiers:\n");
            if (a instanceof QuantAlgorithm.GptqAlgorithm g) {
                Gptq.Options o = g.options();
                y.append("    GPTQModifier:\n      block_size: ").append(o.block()).append("\n      dampening_frac: ").append(o.damp())
                        .append("\n      actorder: ").append(switch (o.actOrder()) { case NONE -> "null"; case STATIC -> "static"; case DYNAMIC -> "group"; })
                        .append("\n");
            } else {
                y.append("    QuantizationModifier:\n");
            }
            y.append("      ignore: [").append(String.join(", ", ignore.stream().map(CompressedTensors::quote).toList())).append("]\n      config_groups:\n");
            for (Map.Entry<Scheme, List<String>> g : st.getValue().entrySet()) {
                Scheme s = g.getKey();
                y.append("        group_").append(i++).append(":\n          targets: [").append(quote(target(g.getValue()))).append("]\n");
                y.append("          weights: {num_bits: ").append(s.bits()).append(", type: int, symmetric: ").append(s.symmetric())
                        .append(", strategy: ").append(s.strategy());
                if (s.groupSize() > 0) y.append(", group_size: ").append(s.groupSize());
                y.append(", dynamic: false, observer: minmax");
                if (s.actorder() != null) y.append(", actorder: ").append(s.actorder());
                y.append("}\n");
                if (s.input() != null) y.append("          input_activations: ").append(s.input().yaml()).append("\n");
            }
            stage++;
        }
        return y.toString();
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * int-quantized (a layer whose input is quantized too): {@code L.weight} as int8 codes [out, in] (asymmetric ones
     * offset to signed, as compressed-tensors stores them), {@code L.weight_scale}, {@code L.weight_zero_point} (int8,
     * the scale's shape) when asymmetric.
     */
    private static void unpacked(String layer, QuantizedWeights.Tensor q, Map<String, Safetensors.Tensor> st) {
        QuantizedWeights.Codes e = q.encoded();
        int bits = q.bits(), offset = 1 << (bits - 1);
        boolean transposed = q.ref().channelAxis() == 1;
        int rows = transposed ? q.dims()[1] : q.dims()[0], cols = transposed ? q.dims()[0] : q.dims()[1];
        byte[] w = new byte[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                int code = e.code(transposed ? c * rows + r : r * cols + c);
                w[r * cols + c] = (byte) (q.signed() ? code : code - offset);
            }
        st.put(layer + ".weight", new Safetensors.Tensor("I8", new long[] {rows, cols}, w));
        Scheme s = scheme(q.layer().format());
        int gpr = s.strategy().equals("group") ? (cols + s.groupSize() - 1) / s.groupSize() : 1;
        boolean tensor = s.strategy().equals("tensor");
        int n = tensor ? 1 : rows * gpr;
        float[] scale = new float[n];
        byte[] zero = new byte[n];
        for (int r = 0; r < (tensor ? 1 : rows); r++)
            for (int b = 0; b < gpr; b++) {
                int k = tensor ? 0 : !s.strategy().equals("group") ? r : transposed && q.groupIndex() == null ? b * rows + r : r * gpr + b;
                scale[r * gpr + b] = e.scale(k);
                zero[r * gpr + b] = (byte) (e.zeroPoint(k) - offset);
            }
        long[] shape = tensor ? new long[] {1} : new long[] {rows, gpr};
        st.put(layer + ".weight_scale", scales(scale, shape, q.fitted().scaleType()));
        if (!q.signed()) st.put(layer + ".weight_zero_point", new Safetensors.Tensor("I8", shape, zero));
        if (q.groupIndex() != null) {
            ByteBuffer g = ByteBuffer.allocate(cols * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int c = 0; c < cols; c++) g.putInt(q.groupIndex()[c]);
            st.put(layer + ".weight_g_idx", new Safetensors.Tensor("I32", new long[] {cols}, g.array()));
        }
    }

    /** weight_packed, weight_scale, weight_zero_point, weight_shape of one layer, oriented [out, in]. */
    private static void packed(String layer, QuantizedWeights.Tensor q, Map<String, Safetensors.Tensor> st) {
        QuantizedWeights.Codes e = q.encoded();
        int bits = q.bits(), offset = 1 << (bits - 1);
        boolean transposed = q.ref().channelAxis() == 1;
        int rows = transposed ? q.dims()[1] : q.dims()[0], cols = transposed ? q.dims()[0] : q.dims()[1];
        int words = packedWords(cols, bits);
        ByteBuffer packed = ByteBuffer.allocate(rows * words * 4).order(ByteOrder.LITTLE_ENDIAN);
        int[] row = new int[cols], packedRow = new int[words];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int code = e.code(transposed ? c * rows + r : r * cols + c);
                row[c] = (q.signed() ? code : code - offset) + offset;      // compressed-tensors' ints are signed, asymmetric too
            }
            pack(row, cols, bits, packedRow);
            for (int v : packedRow) packed.putInt(v);
        }
        Scheme s = scheme(q.layer().format());
        int gpr = s.strategy().equals("group") ? (cols + s.groupSize() - 1) / s.groupSize() : 1;
        boolean gIdx = q.groupIndex() != null;      // dynamic act-order: scales already [out][groups]
        long[] scaleShape = s.strategy().equals("tensor") ? new long[] {1} : new long[] {rows, gpr};
        int n = s.strategy().equals("tensor") ? 1 : rows * gpr;
        float[] scale = new float[n];
        int[] zero = new int[n];
        for (int r = 0; r < (s.strategy().equals("tensor") ? 1 : rows); r++)
            for (int b = 0; b < gpr; b++) {
                int k = s.strategy().equals("tensor") ? 0 : !s.strategy().equals("group") ? r : transposed && !gIdx ? b * rows + r : r * gpr + b;
                scale[r * gpr + b] = e.scale(k);
                zero[r * gpr + b] = e.zeroPoint(k) - offset;
            }
        st.put(layer + ".weight_packed", new Safetensors.Tensor("I32", new long[] {rows, words}, packed.array()));
        st.put(layer + ".weight_scale", scales(scale, scaleShape, q.fitted().scaleType()));
        if (!q.signed()) {
            if (s.strategy().equals("tensor")) {
                st.put(layer + ".weight_zero_point", new Safetensors.Tensor("I8", new long[] {1}, new byte[] {(byte) zero[0]}));
            } else {
                // packed along the output dimension (compressed-tensors' packed_dim=0): column b of [zw, gpr] packs group b of every row
                int zw = packedWords(rows, bits);
                int[][] columns = new int[gpr][zw];
                int[] column = new int[rows];
                for (int b = 0; b < gpr; b++) {
                    for (int r = 0; r < rows; r++) column[r] = zero[r * gpr + b] + offset;
                    pack(column, rows, bits, columns[b]);
                }
                ByteBuffer zp = ByteBuffer.allocate(zw * gpr * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int w = 0; w < zw; w++)
                    for (int b = 0; b < gpr; b++) zp.putInt(columns[b][w]);
                st.put(layer + ".weight_zero_point", new Safetensors.Tensor("I32", new long[] {zw, gpr}, zp.array()));
            }
        }
        if (gIdx) {
            ByteBuffer g = ByteBuffer.allocate(cols * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int c = 0; c < cols; c++) g.putInt(q.groupIndex()[c]);
            st.put(layer + ".weight_g_idx", new Safetensors.Tensor("I32", new long[] {cols}, g.array()));
        }
        ByteBuffer shape = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(rows).putLong(cols);
        st.put(layer + ".weight_shape", new Safetensors.Tensor("I64", new long[] {2}, shape.array()));
    }

    /** Words of {@code n} values of {@code bits} packed densely: ceil(n·bits/32). */
    static int packedWords(int n, int bits) {
        return (int) (((long) n * bits + 31) / 32);
    }

    /**
     * compressed-tensors' {@code pack_to_int32} since 0.20 (dense): value i (already offset to 0..2^bits−1) occupies
     * bits i·bits .. i·bits+bits−1 of the row's bit stream, word by word from the lowest bit, so at 3, 5, 6 and 7
     * bits a value may straddle two words; 1, 2, 4 and 8 bits give the word-aligned layout of every version.
     */
    static void pack(int[] values, int n, int bits, int[] words) {
        java.util.Arrays.fill(words, 0);
        int mask = (1 << bits) - 1;
        for (int i = 0; i < n; i++) {
            long at = (long) i * bits;
            int w = (int) (at >>> 5), off = (int) (at & 31), v = values[i] & mask;
            words[w] |= v << off;
            if (off + bits > 32) words[w + 1] |= v >>> (32 - off);
        }
    }

    private static Safetensors.Tensor scales(float[] s, long[] shape, io.precis.engine.format.ScaleType type) {
        return switch (type) {
            case FP16 -> {
                ByteBuffer b = ByteBuffer.allocate(s.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : s) b.putShort(Float.floatToFloat16(v));    // exact: the scales are fp16-rounded already
                yield new Safetensors.Tensor("F16", shape, b.array());
            }
            case BF16 -> {
                ByteBuffer b = ByteBuffer.allocate(s.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : s) b.putShort((short) (Float.floatToRawIntBits(v) >>> 16));   // exact: bf16-rounded already
                yield new Safetensors.Tensor("BF16", shape, b.array());
            }
            default -> new Safetensors.Tensor("F32", shape, floats(s));
        };
    }

    private static byte[] floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
        return t;
    }
}
