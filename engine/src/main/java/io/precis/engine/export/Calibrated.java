package io.precis.engine.export;

import io.precis.engine.algo.ActivationQuant;
import io.precis.engine.calib.Calibration;
import io.precis.engine.calib.LayerStats;
import io.precis.engine.calib.PlanQuantizer;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.plan.ActivationSpec;
import io.precis.engine.plan.Plan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an export needs from calibration beyond the plan: the GPTQ/AWQ layers' weights ({@code weights}, null when
 * the plan has none) and each quantized input's quantizer by layer name ({@code activations}; static scales are the
 * calibration rows' max |x| / 127, as the plan's evaluation computes them).
 */
public record Calibrated(PlanQuantizer.Result weights, Map<String, ActivationQuant> activations) {

    public Calibrated {
        activations = Map.copyOf(activations);
    }

    /** Nothing calibrated: enough for plans whose weights are round to nearest and whose inputs are dynamic or unquantized. */
    public static Calibrated none(Plan plan) {
        return new Calibrated(null, dynamicOnly(plan));
    }

    /** GPTQ/AWQ weights from {@code weights}, dynamic input quantizers (a static one is refused later, by layer). */
    public static Calibrated of(Plan plan, PlanQuantizer.Result weights) {
        return new Calibrated(weights, dynamicOnly(plan));
    }

    private static Map<String, ActivationQuant> dynamicOnly(Plan plan) {
        Map<String, ActivationQuant> out = new LinkedHashMap<>();
        plan.activations().forEach((n, a) -> {
            if (a.dynamic()) out.put(n, a.quantizer(0));
        });
        return out;
    }

    /**
     * Calibrates what the plan needs on {@code calibration} (the model at full precision, as for an evaluation):
     * GPTQ/AWQ weights ({@code sequential} as the session says) and static input scales.
     */
    public static Calibrated compute(Model model, Plan plan, List<ModelInput> calibration, boolean sequential) {
        return compute(model, plan, calibration, sequential, 0);
    }

    /**
     * As above; {@code seed} picks the calibration rows a percentile or MSE clip reads (as the evaluation does, so the
     * export holds the scale that was evaluated).
     */
    public static Calibrated compute(Model model, Plan plan, List<ModelInput> calibration, boolean sequential, long seed) {
        if (plan.needsCalibration() && calibration.isEmpty()) throw new IllegalArgumentException("the plan needs calibration data (GPTQ, AWQ or static"
                + " input scales) and there is none");
        PlanQuantizer.Result weights = plan.layers().stream().anyMatch(l -> l.isQuantized() && l.algorithm().needsCalibration())
                ? model.atFullPrecision(() -> PlanQuantizer.quantize(model, plan, calibration, sequential, null)) : null;
        List<LayerRef> statics = new ArrayList<>(), clipped = new ArrayList<>();
        plan.activations().forEach((n, a) -> {
            if (a.dynamic()) return;
            if (a.range().kind() == ActivationSpec.Range.Kind.ABSMAX) statics.add(model.layer(n)); else clipped.add(model.layer(n));
        });
        Map<String, LayerStats> stats = statics.isEmpty() ? Map.of()
                : model.atFullPrecision(() -> Calibration.capture(model, calibration, statics, false, null));
        Map<String, float[]> rows = clipped.isEmpty() ? Map.of()
                : model.atFullPrecision(() -> Calibration.captureRows(model, calibration, clipped, io.precis.engine.analysis.Analysis.ACTIVATION_ROWS, seed, null));
        Map<String, ActivationQuant> acts = new LinkedHashMap<>();
        for (Map.Entry<String, ActivationSpec> e : plan.activations().entrySet()) {
            ActivationSpec a = e.getValue();
            float absmax = 0;
            if (!a.dynamic() && a.range().kind() == ActivationSpec.Range.Kind.ABSMAX) for (float v : stats.get(e.getKey()).maxAbs()) absmax = Math.max(absmax, v);
            else if (!a.dynamic()) absmax = a.clip(rows.get(e.getKey()));
            acts.put(e.getKey(), a.quantizer(absmax));
        }
        return new Calibrated(weights, acts);
    }

    /**
     * Layers whose input quantization an export cannot write, with why: SmoothQuant (its per-channel scales are
     * kept explicit in the evaluation and not written yet), a static scale that was not calibrated, a quantized input
     * whose weights are not quantized.
     */
    Map<String, String> activationProblems(Plan plan, boolean needsWeights) {
        Map<String, String> out = new LinkedHashMap<>();
        plan.activations().forEach((n, a) -> {
            String label = n + " (input " + a + ")";
            if (a.smooth()) out.put(label, "its SmoothQuant scales are not written by the exports yet; export the plan without 'smoothquant'");
            else if (!activations.containsKey(n)) out.put(label, "its static input scale comes from calibration, and none was given");
            else if (activations.get(n).element() != ActivationQuant.Element.INT8) out.put(label, "only int8 inputs are written, not " + activations.get(n));
            else if (activations.get(n).asymmetric()) out.put(label, "asymmetric inputs (uint8 codes, a zero point per call) are not written yet; export the plan with symmetric inputs");
            else if (needsWeights && plan.layer(n).map(l -> !l.isQuantized()).orElse(true)) out.put(label, "its input is quantized but its weights are not (W16A8); quantize its weights too");
        });
        return out;
    }
}
