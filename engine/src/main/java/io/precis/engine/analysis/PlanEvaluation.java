package io.precis.engine.analysis;

import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Score;
import io.precis.engine.figure.Html;
import io.precis.engine.figure.TextTable;
import io.precis.engine.plan.Plan;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A plan run for real against full precision: the analysis metric, the evaluator's scores (baseline, plan,
 * change), and the plan's size and effective bits.
 */
public record PlanEvaluation(Plan plan, SensitivityMetric metric, double value, Map<SensitivityMetric, Double> metrics, Evaluation evaluation,
                             Evaluation baseline, String measuredOn, String calibration,
                             io.precis.engine.calib.Calibration.Samples samples) {

    public PlanEvaluation {
        metrics = Map.copyOf(metrics);
        calibration = calibration == null ? "" : calibration;
    }

    /** A plan without calibration (round to nearest). */
    public PlanEvaluation(Plan plan, SensitivityMetric metric, double value, Map<SensitivityMetric, Double> metrics, Evaluation evaluation,
                          Evaluation baseline, String measuredOn) {
        this(plan, metric, value, metrics, evaluation, baseline, measuredOn, "", null);
    }

    /** Calibration, when the plan used it, and the evaluation's provenance. */
    private String footer() {
        return (calibration.isEmpty() ? "" : "Calibration: " + calibration + "\n") + evaluation.provenance().shortText();
    }

    private List<List<String>> rows() {
        List<List<String>> rows = new ArrayList<>();
        for (Score s : evaluation.scores()) {
            double base = baseline.has(s.metric()) ? baseline.get(s.metric()) : Double.NaN;
            rows.add(List.of(s.metric().description(), SensitivityTable.number(base), SensitivityTable.number(s.value()),
                    SensitivityTable.number(s.value() - base)));
        }
        for (Map.Entry<SensitivityMetric, Double> e : new java.util.TreeMap<>(metrics).entrySet())
            rows.add(List.of(e.getKey().labelWithUnit() + " vs full precision", "", SensitivityTable.number(e.getValue()), ""));
        rows.add(List.of("effective bits/weight (whole model)", String.format(Locale.ROOT, "%.3f", fullBits()),
                String.format(Locale.ROOT, "%.3f", plan.effectiveBits()), ""));
        rows.add(List.of("weights size (MB)", String.format(Locale.ROOT, "%.2f", plan.fullPrecisionBytes() / 1e6),
                String.format(Locale.ROOT, "%.2f", plan.sizeBytes() / 1e6), String.format(Locale.ROOT, "%.1fx smaller",
                        plan.sizeBytes() == 0 ? 1 : plan.fullPrecisionBytes() / plan.sizeBytes())));
        return rows;
    }

    private double fullBits() {
        long n = plan.weightParams();
        return n == 0 ? 0 : plan.fullPrecisionBytes() * 8 / n;
    }

    private static final List<String> HEADER = List.of("", "full precision", "plan", "change");

    private String caption() {
        return "Evaluation of " + plan.modelName() + " (" + plan.quantized().size() + " of " + plan.layers().size() + " layers quantized): "
                + metric.label() + " = " + SensitivityTable.number(value) + ", " + measuredOn;
    }

    public String toText() {
        return caption() + "\n" + TextTable.render(HEADER, rows(), Set.of(1, 2, 3)) + footer() + "\n";
    }

    public String toHtml() {
        return Html.table(caption(), HEADER, rows(), Set.of(1, 2, 3), footer().replace('\n', ' '));
    }

    @Override
    public String toString() {
        return toText();
    }
}
