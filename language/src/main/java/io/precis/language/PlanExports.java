package io.precis.language;

import io.precis.engine.export.OnnxQdq;
import io.precis.engine.export.PlanJson;
import io.precis.engine.model.Model;
import io.precis.engine.plan.Plan;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What {@code export plan [as <flavour>] to "<file>"} writes: the flavour named after {@code as}, else the one the
 * file's extension says ({@code .onnx}: a quantized ONNX model; {@code .gguf}: the model as GGUF, written by {@code Measurements}; anything
 * else: the plan as JSON). The work is the
 * engine's ({@code io.precis.engine.export}); this only chooses and words the result.
 */
final class PlanExports {
    static final List<String> FLAVOURS = List.of("json", "onnx", "compressed-tensors", "modelopt", "gguf");

    private PlanExports() {}

    /** The flavour to write: the named one (null when unknown) or the file's. */
    static String flavour(Optional<String> named, String file) {
        if (named.isPresent()) {
            String f = named.get().toLowerCase(Locale.ROOT);
            return FLAVOURS.contains(f) ? f : null;
        }
        String name = file.toLowerCase(Locale.ROOT);
        return name.endsWith(".onnx") ? "onnx" : name.endsWith(".gguf") ? "gguf" : "json";
    }

    /** Whether writing {@code flavour} reads calibration data for this plan (GPTQ/AWQ weights, static input scales). */
    static boolean calibrates(String flavour, Plan plan) {
        return (flavour.equals("onnx") || flavour.equals("compressed-tensors")) && plan.needsCalibration();
    }

    /**
     * Writes the plan, GPTQ/AWQ weights and static input scales from {@code calibrated}; returns the line the cell
     * shows. Engine refusals propagate as IllegalArgumentException.
     */
    static String write(String flavour, Plan plan, Model model, Path file, io.precis.engine.export.Calibrated calibrated) {
        if (!plan.activations().isEmpty() && flavour.equals("json")) {
            // the JSON plan has no field for input quantizers: refuse rather than write a weights-only file that looks complete
            throw new IllegalArgumentException("the plan quantizes the inputs of " + plan.activations().size() + " layers (first "
                    + plan.activations().keySet().iterator().next() + "), and the JSON plan does not hold activation quantization yet;"
                    + " export it as onnx, compressed-tensors or modelopt, or without 'quantize activations' rules");
        }
        return switch (flavour) {
            case "onnx" -> OnnxQdq.write(plan, model, file, calibrated).describe() + ".";
            case "compressed-tensors" -> io.precis.engine.export.CompressedTensors.write(plan, model, file, calibrated).describe() + ".";
            case "modelopt" -> io.precis.engine.export.ModelOptConfig.write(plan, model, file).describe() + ".";
            default -> {
                PlanJson.write(plan, model, file);
                yield String.format(Locale.ROOT, "Wrote %s: %d of %d layers quantized, %.3f effective bits/weight.",
                        file.toAbsolutePath(), plan.quantized().size(), plan.layers().size(), plan.effectiveBits());
            }
        };
    }
}
