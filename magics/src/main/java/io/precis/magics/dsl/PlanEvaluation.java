package io.precis.magics.dsl;

import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Metric;
import io.precis.engine.eval.Score;
import io.precis.engine.plan.Plan;
import java.util.Locale;

/**
 * What {@code evaluate} measured: the model at full precision and under a plan, on the same data, with the
 * plan's size and effective bits. Every score carries its provenance.
 */
public record PlanEvaluation(Plan plan, Evaluation baseline, Evaluation quantized) {

    /** The plan's value minus the baseline's, for a metric both have. */
    public double delta(Metric m) {
        return quantized.get(m) - baseline.get(m);
    }

    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Evaluation of %s on %s (%d samples): %d of %d layers quantized, %.3f bits/weight, %s%n",
                plan.modelName(), baseline.provenance().data(), baseline.provenance().samples(), plan.quantized().size(),
                plan.layers().size(), plan.effectiveBits(), plan.sizeLine()));
        sb.append(String.format(Locale.ROOT, "%-44s %14s %14s %12s%n", "metric", "full precision", "plan", "change"));
        for (Score s : quantized.scores()) {
            Metric m = s.metric();
            String base = baseline.has(m) ? fmt(baseline.get(m)) : "-";
            String change = baseline.has(m) && m != Metric.KL && m != Metric.COSINE && m != Metric.NN_AGREEMENT
                    ? signed(delta(m)) : "";
            sb.append(String.format(Locale.ROOT, "%-44s %14s %14s %12s%n", m.description(), base, fmt(s.value()), change));
        }
        sb.append("provenance: ").append(quantized.provenance().shortText()).append('\n');
        return sb.toString();
    }

    public String toHtml() {
        StringBuilder sb = new StringBuilder("<table class=\"precis-table\"><caption>");
        sb.append(Html.escape(String.format(Locale.ROOT, "Evaluation of %s on %s (%d samples): %d of %d layers quantized, %.3f bits/weight, %s",
                plan.modelName(), baseline.provenance().data(), baseline.provenance().samples(), plan.quantized().size(),
                plan.layers().size(), plan.effectiveBits(), plan.sizeLine())));
        sb.append("</caption><thead><tr><th>metric</th><th>full precision</th><th>plan</th><th>change</th></tr></thead><tbody>");
        for (Score s : quantized.scores()) {
            Metric m = s.metric();
            boolean comparable = baseline.has(m) && m != Metric.KL && m != Metric.COSINE && m != Metric.NN_AGREEMENT;
            sb.append("<tr><td>").append(Html.escape(m.description())).append("</td><td style=\"text-align:right\">")
                    .append(baseline.has(m) ? fmt(baseline.get(m)) : "-").append("</td><td style=\"text-align:right\">")
                    .append(fmt(s.value())).append("</td><td style=\"text-align:right\">")
                    .append(comparable ? signed(delta(m)) : "").append("</td></tr>");
        }
        sb.append("</tbody></table><div class=\"precis-provenance\"><small>")
                .append(Html.escape(quantized.provenance().shortText())).append("</small></div>");
        return sb.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.5g", v);
    }

    private static String signed(double v) {
        return String.format(Locale.ROOT, "%+.4g", v);
    }

    @Override
    public String toString() {
        return toText();
    }
}
