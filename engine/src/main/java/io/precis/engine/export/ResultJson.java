package io.precis.engine.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.engine.analysis.Frontier;
import io.precis.engine.analysis.PlanEvaluation;
import io.precis.engine.analysis.SensitivityMetric;
import io.precis.engine.analysis.Sweep;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.data.Dataset;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Score;
import io.precis.engine.figure.Figure;
import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Rule;
import java.nio.file.Path;
import java.util.Map;

/**
 * A result as a JSON summary for headless runs ({@code precis run}'s {@code results.json}) and the gates that read
 * it ({@code --fail-if "best.measured > 0.05"}): every object has {@code type} and the numbers a check would test,
 * under names that read naturally in a gate. Non-finite numbers are null (JSON has no NaN). A result's field
 * names are documented in README ("Headless runs").
 */
public final class ResultJson {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ResultJson() {}

    /** {@code value} as JSON; {@code frontier} is the search front a plan was chosen from, or null. */
    public static JsonNode of(Object value, Frontier frontier) {
        return switch (value) {
            case null -> F.nullNode();
            case Plan p -> plan(p, frontier);
            case PlanEvaluation e -> evaluation(e);
            case Evaluation e -> scores(F.objectNode().put("type", "evaluation"), e, null);
            case Sweep s -> sweep(s);
            case SensitivityTable t -> sensitivity(t);
            case Frontier f -> frontier(f);
            case Model m -> F.objectNode().put("type", "model").put("name", m.name()).put("source", m.source())
                    .put("layers", m.layers().size()).put("params", m.layers().stream().mapToLong(LayerRef::params).sum());
            case Dataset d -> F.objectNode().put("type", "dataset").put("name", d.name()).put("size", d.size())
                    .put("description", d.description());
            case Rule r -> F.objectNode().put("type", "rule").put("rule", r.label());
            case Figure f -> F.objectNode().put("type", "figure").put("title", f.title());
            case Path p -> F.objectNode().put("type", "file").put("path", p.toString());
            case Number n -> number(n.doubleValue());
            case Boolean b -> F.booleanNode(b);
            case CharSequence s -> F.textNode(s.toString());
            default -> F.objectNode().put("type", value.getClass().getSimpleName()).put("text", abbreviate(String.valueOf(value)));
        };
    }

    private static ObjectNode plan(Plan p, Frontier frontier) {
        ObjectNode n = F.objectNode().put("type", "plan").put("model", p.modelName());
        n.put("layers", p.layers().size());
        n.put("quantized_layers", p.quantized().size());
        n.set("effective_bits", number(p.effectiveBits()));
        n.set("quantized_bits", number(p.quantizedBits()));
        n.set("size_bytes", number(p.sizeBytes()));
        n.set("full_precision_bytes", number(p.fullPrecisionBytes()));
        n.set("compression", number(p.sizeBytes() == 0 ? 1 : p.fullPrecisionBytes() / p.sizeBytes()));
        if (frontier != null && frontier.chosen().isPresent()) {
            Frontier.Point c = frontier.chosen().get();
            // A searched plan carries what the search measured for it: the gate "best.measured > 0.05" reads this.
            n.put("metric", frontier.metric().keyword());
            n.set("predicted", number(c.predicted()));
            n.set("measured", c.measured().isPresent() ? number(c.measured().getAsDouble()) : F.nullNode());
            n.put("constraint", frontier.constraint());
        }
        ObjectNode formats = n.putObject("formats");
        for (LayerPlan l : p.layers()) {
            formats.put(l.name(), l.isQuantized() ? l.formatText() : null);
        }
        return n;
    }

    private static ObjectNode evaluation(PlanEvaluation e) {
        ObjectNode n = F.objectNode().put("type", "evaluation").put("model", e.plan().modelName());
        n.put("metric", e.metric().keyword());
        n.set("value", number(e.value()));
        ObjectNode metrics = n.putObject("metrics");
        for (Map.Entry<SensitivityMetric, Double> m : new java.util.TreeMap<>(e.metrics()).entrySet()) {
            metrics.set(m.getKey().keyword(), number(m.getValue()));
        }
        scores(n, e.evaluation(), e.baseline());
        n.set("effective_bits", number(e.plan().effectiveBits()));
        n.set("size_bytes", number(e.plan().sizeBytes()));
        n.set("full_precision_bytes", number(e.plan().fullPrecisionBytes()));
        n.put("measured_on", e.measuredOn());
        return n;
    }

    /**
     * The evaluator's scores: {@code scores.<metric>.plan}, {@code .baseline}, {@code .change}; the first score's
     * change is also {@code change} (the first row of the evaluation's table).
     */
    private static ObjectNode scores(ObjectNode n, Evaluation e, Evaluation baseline) {
        ObjectNode scores = n.putObject("scores");
        boolean first = true;
        for (Score s : e.scores()) {
            ObjectNode o = scores.putObject(s.metric().label());
            o.set("plan", number(s.value()));
            if (baseline != null && baseline.has(s.metric())) {
                double base = baseline.get(s.metric());
                o.set("baseline", number(base));
                o.set("change", number(s.value() - base));
                if (first) {
                    n.set("change", number(s.value() - base));
                }
            }
            first = false;
        }
        return n;
    }

    private static ObjectNode sweep(Sweep s) {
        ObjectNode n = F.objectNode().put("type", "sweep").put("metric", s.metric().keyword());
        ArrayNode points = n.putArray("points");
        double worst = Double.NaN;
        for (Sweep.Point p : s.points()) {
            ObjectNode o = points.addObject().put("group", p.group()).put("layers", p.layers()).put("format", p.format().toString());
            o.set("bits", number(p.bits()));
            o.set("value", number(p.value()));
            worst = worse(s.metric(), worst, p.value());
        }
        n.set("worst", number(worst));
        return n;
    }

    private static ObjectNode sensitivity(SensitivityTable t) {
        ObjectNode n = F.objectNode().put("type", "sensitivity").put("model", t.modelName()).put("metric", t.metric().keyword());
        ObjectNode layers = n.putObject("layers");
        double worst = Double.NaN;
        for (LayerRef l : t.layers()) {
            ObjectNode o = layers.putObject(l.name());
            for (Format f : t.formats()) {
                double v = t.value(l, f);
                o.set(f.toString(), number(v));
                worst = worse(t.metric(), worst, v);
            }
        }
        n.set("worst", number(worst));
        return n;
    }

    private static ObjectNode frontier(Frontier f) {
        ObjectNode n = F.objectNode().put("type", "frontier").put("metric", f.metric().keyword()).put("constraint", f.constraint());
        ArrayNode points = n.putArray("points");
        for (Frontier.Point p : f.points()) {
            ObjectNode o = points.addObject();
            o.set("bits", number(p.bits()));
            o.set("predicted", number(p.predicted()));
            o.set("measured", p.measured().isPresent() ? number(p.measured().getAsDouble()) : F.nullNode());
        }
        n.put("chosen", f.chosenIndex());
        return n;
    }

    private static double worse(SensitivityMetric m, double a, double b) {
        if (!Double.isFinite(b)) return a;
        if (Double.isNaN(a)) return b;
        return m.higherIsWorse() ? Math.max(a, b) : Math.min(a, b);
    }

    private static JsonNode number(double v) {
        return Double.isFinite(v) ? F.numberNode(v) : F.nullNode();
    }

    private static String abbreviate(String s) {
        return s.length() <= 2000 ? s : s.substring(0, 2000) + "…";
    }
}
