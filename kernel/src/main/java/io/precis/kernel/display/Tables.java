package io.precis.kernel.display;

import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Rule;
import java.util.Locale;

/** HTML tables for results that have no HTML form of their own. */
final class Tables {

    private Tables() {}

    static String plan(Plan plan) {
        StringBuilder sb = new StringBuilder("<table class=\"precis-table\"><caption>");
        sb.append(escape(String.format(Locale.ROOT, "Plan for %s: %d of %d layers quantized, %.3f effective bits/weight, %s",
                plan.modelName(), plan.quantized().size(), plan.layers().size(), plan.effectiveBits(), plan.sizeLine())));
        sb.append("</caption><thead><tr><th>layer</th><th>kind</th><th>format</th><th>bits/weight</th><th>decided by</th>");
        boolean sens = plan.layers().stream().anyMatch(l -> l.sensitivity().isPresent());
        if (sens) {
            sb.append("<th>sensitivity</th>");
        }
        sb.append("</tr></thead><tbody>");
        for (LayerPlan l : plan.layers()) {
            sb.append("<tr><td><code>").append(escape(l.name())).append("</code></td><td>").append(l.layer().kind().label())
                    .append("</td><td>").append(l.isQuantized() ? "<b>" + escape(l.format().toString()) + "</b>" : "full precision")
                    .append("</td><td style=\"text-align:right\">").append(String.format(Locale.ROOT, "%.3f", l.bits()))
                    .append("</td><td>").append(escape(l.decidedBy())).append("</td>");
            if (sens) {
                sb.append("<td style=\"text-align:right\">")
                        .append(l.sensitivity().isPresent() ? String.format(Locale.ROOT, "%.3g", l.sensitivity().getAsDouble()) : "")
                        .append("</td>");
            }
            sb.append("</tr>");
        }
        sb.append("</tbody></table>");
        for (Rule r : plan.idleRules()) {
            sb.append("<div class=\"precis-warning\">decided nothing: <code>").append(escape(r.label())).append("</code></div>");
        }
        if (!plan.sensitivityNote().isEmpty()) {
            sb.append("<div><small>sensitivity: ").append(escape(plan.sensitivityNote())).append("</small></div>");
        }
        return sb.toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
