package io.precis.engine.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.engine.format.Element;
import io.precis.engine.format.Format;
import io.precis.engine.format.Granularity;
import io.precis.engine.format.MiniFloat;
import io.precis.engine.format.ggml.GgmlFormats;
import io.precis.engine.io.AtomicFiles;
import io.precis.engine.io.WriteFailed;
import io.precis.engine.model.Model;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A plan as NVIDIA ModelOpt's {@code quant_cfg} (the dict {@code mtq.quantize(model, config)} takes), as JSON:
 * one {@code *<layer>.weight_quantizer} entry per quantized layer ({@code num_bits}; {@code axis} 0 per channel,
 * null per tensor; {@code block_sizes} {"-1": N} for groups), {@code *<layer>.input_quantizer} disabled, or for a
 * static per-tensor int8 input {@code {"num_bits": 8, "axis": null}} (ModelOpt calibrates its amax by max, Precis's
 * static rule; dynamic inputs are refused), {@code default} disabled (written first: ModelOpt 0.47 applies the
 * dict's entries in order), and {@code algorithm} "max" (round to nearest from the weights' absmax), or for a
 * plan whose quantized layers all use AWQ {@code {"method": "awq_lite", "alpha_step": 1/grid}} (ModelOpt's AWQ; it
 * searches its own scales when it calibrates: a quant_cfg is a recipe, not weights). ModelOpt's calibration
 * algorithms are max, smoothquant, awq_lite/awq_full/awq_clip and svdquant (modelopt.torch.quantization.model_calib):
 * no GPTQ, so GPTQ layers are refused, and so is a plan mixing AWQ with round-to-nearest layers (one algorithm
 * calibrates the whole model).
 * ModelOpt's integer quantizer is symmetric with scale amax/(2^(N−1)−1), Precis's default grid; fp8_e4m3 is
 * {@code num_bits [4, 3]}, nvfp4 {@code [2, 1]} with blocks of 16 and E4M3 scales. Other formats are refused by layer.
 * JSON cannot have integer keys: {@code block_sizes} keys are the strings "-1" (turn them into ints when loading).
 */
public final class ModelOptConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Report(Path file, int layers, String algorithm) {
        public String describe() {
            return String.format(Locale.ROOT, "Wrote %s: ModelOpt quant_cfg for %d quantized layers (algorithm %s)", file, layers, algorithm);
        }
    }

    private ModelOptConfig() {}

    static String problem(LayerPlan l) {
        Format f = l.format();
        if (l.algorithm().name().equals("gptq"))
            return "it uses gptq, and ModelOpt's calibration algorithms (max, smoothquant, awq_lite/awq_full/awq_clip, svdquant) have no GPTQ";
        if (GgmlFormats.is(f)) return "llama.cpp block formats have no ModelOpt quantizer";
        if (f.isNvfp4()) return null;
        if (f.granularity() instanceof Granularity.Blocks) return "OCP MX block formats are not written here";
        return switch (f.element()) {
            case Element.Int i -> !f.isSymmetric() ? "ModelOpt's integer quantizers are symmetric; this format has zero points"
                    : f.fullRange() ? "ModelOpt scales by amax/" + ((1 << (i.bits() - 1)) - 1) + " (Precis's grid), not compressed-tensors' grid" : null;
            case Element.Float fl -> fl.type() == MiniFloat.E4M3 && !(f.granularity() instanceof Granularity.Groups)
                    && !(f.granularity() instanceof Granularity.Unscaled) ? null : f.name() + " " + f.granularity() + " has no ModelOpt quantizer here";
            case Element.Table t -> "lookup-table formats (" + f.name() + ") have no ModelOpt quantizer";
        };
    }

    static ObjectNode quantizer(Format f) {
        ObjectNode q = JSON.createObjectNode();
        if (f.isNvfp4()) {
            q.putArray("num_bits").add(2).add(1);
            ObjectNode b = q.putObject("block_sizes");
            b.put("-1", 16);
            b.put("type", "dynamic");
            b.putArray("scale_bits").add(4).add(3);
        } else {
            if (f.element() instanceof Element.Float) q.putArray("num_bits").add(4).add(3);
            else q.put("num_bits", f.element().bits());
            switch (f.granularity()) {
                case Granularity.PerChannel c -> q.put("axis", 0);
                case Granularity.Groups g -> q.putObject("block_sizes").put("-1", g.size());
                default -> q.putNull("axis");
            }
        }
        q.put("enable", true);
        return q;
    }

    /** The config as JSON text; refuses (naming every layer) when a layer's format has no ModelOpt quantizer. */
    static String toJson(Plan plan) {
        Map<String, String> problems = new LinkedHashMap<>();
        for (LayerPlan l : plan.layers()) {
            if (l.isPruned()) {
                problems.put(l.name() + " (" + l.formatText() + ")", QuantizedWeights.PRUNED);
                continue;
            }
            if (!l.isQuantized()) continue;
            String why = problem(l);
            if (why != null) problems.put(l.name() + " (" + l.formatText() + ")", why);
        }
        plan.activations().forEach((n, a) -> {
            String label = n + " (input " + a + ")";
            if (a.smooth()) problems.put(label, "its SmoothQuant scales are not written by the exports yet");
            else if (a.dynamic()) problems.put(label, "ModelOpt's int8 input quantizers are static per tensor (amax calibrated by max); this one is dynamic");
            else if (plan.layer(n).map(l -> !l.isQuantized()).orElse(true)) problems.put(label, "its input is quantized but its weights are not; quantize its weights too");
        });
        List<LayerPlan> quantized = plan.layers().stream().filter(LayerPlan::isQuantized).toList();
        long awq = quantized.stream().filter(l -> l.algorithm().name().equals("awq")).count();
        if (problems.isEmpty() && awq > 0 && awq < quantized.size())
            for (LayerPlan l : quantized)
                if (!l.algorithm().name().equals("awq"))
                    problems.put(l.name() + " (" + l.formatText() + ")", "it is round to nearest while " + awq + " other layers use awq, and"
                            + " ModelOpt calibrates the whole model with one algorithm (awq_lite would re-scale this layer too)");
        if (!problems.isEmpty()) throw QuantizedWeights.refusal("ModelOpt quant_cfg", problems);
        ObjectNode root = JSON.createObjectNode();
        ObjectNode cfg = root.putObject("quant_cfg");
        // first: ModelOpt up to 0.2x applied "default" before every pattern wherever it stood; 0.47 reads the dict in
        // order ("default" as "*"), so a trailing one would switch every quantizer off again
        cfg.putObject("default").put("enable", false);
        for (LayerPlan l : plan.layers()) {
            if (!l.isQuantized()) continue;
            cfg.set("*" + l.name() + ".weight_quantizer", quantizer(l.format()));
            if (plan.activations().containsKey(l.name())) {
                ObjectNode in = cfg.putObject("*" + l.name() + ".input_quantizer");
                in.put("num_bits", 8);
                in.putNull("axis");
                in.put("enable", true);
            } else {
                cfg.putObject("*" + l.name() + ".input_quantizer").put("enable", false);
            }
        }
        if (awq > 0) {
            ObjectNode alg = root.putObject("algorithm");
            alg.put("method", "awq_lite");
            int grid = ((io.precis.engine.algo.QuantAlgorithm.AwqAlgorithm) quantized.get(0).algorithm()).options().grid();
            alg.put("alpha_step", 1.0 / grid);
        } else {
            root.put("algorithm", "max");
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Report write(Plan plan, Model model, Path file) {
        String text = toJson(plan);
        Path abs = file.toAbsolutePath();
        if (abs.getParent() == null || !Files.isDirectory(abs.getParent())) throw new WriteFailed(file, "its directory does not exist", null);
        try {
            AtomicFiles.writeString(abs, text);
        } catch (IOException e) {
            throw new WriteFailed(file, e.getMessage(), e);
        }
        boolean awq = plan.layers().stream().anyMatch(l -> l.isQuantized() && l.algorithm().name().equals("awq"));
        return new Report(file, (int) plan.layers().stream().filter(LayerPlan::isQuantized).count(), awq ? "awq_lite" : "max");
    }
}
