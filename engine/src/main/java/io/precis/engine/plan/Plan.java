package io.precis.engine.plan;

import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.WeightTransform;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A format (or full precision) for every layer of a model, with the rule that decided each, and the rules
 * that decided nothing. Making a plan touches no weights; {@link #applyTo} does.
 */
public final class Plan {

    private final String modelName;
    private final List<LayerPlan> layers;
    private final List<Rule> idleRules;
    private final String sensitivityNote;
    /** Layer name to how its input is quantized (layers whose activations stay at full precision are absent). */
    private Map<String, ActivationSpec> activations = Map.of();

    public Plan(String modelName, List<LayerPlan> layers, List<Rule> idleRules, String sensitivityNote) {
        this.modelName = modelName;
        this.layers = List.copyOf(layers);
        this.idleRules = List.copyOf(idleRules);
        this.sensitivityNote = sensitivityNote;
    }

    /** A plan that quantizes the given layers to the given formats and keeps the rest: what a search returns. */
    public static Plan of(Model model, Map<String, Format> formats, String decidedBy) {
        List<LayerPlan> out = new ArrayList<>();
        for (LayerRef l : model.layers()) {
            Format f = formats.get(l.name());
            out.add(new LayerPlan(l, f, f == null ? "full precision" : decidedBy, java.util.OptionalDouble.empty()));
        }
        return new Plan(model.name(), out, List.of(), "");
    }

    /** The same plan, quantizing these layers' inputs. */
    public Plan withActivations(Map<String, ActivationSpec> byLayer) {
        Plan p = new Plan(modelName, layers, idleRules, sensitivityNote);
        p.activations = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byLayer));
        return p;
    }

    /** Layer name to how its input is quantized, in model order; empty when activations stay at full precision. */
    public Map<String, ActivationSpec> activations() {
        return activations;
    }

    /** Whether some layer's input quantization reads calibration data (a static scale, SmoothQuant). */
    public boolean hasStaticActivations() {
        return activations.values().stream().anyMatch(ActivationSpec::needsCalibration);
    }

    /** The format column: the weights' format, with the input's ("W int8 per channel / A int8 per token dynamic") where quantized. */
    private String formatColumn(LayerPlan l) {
        ActivationSpec a = activations.get(l.name());
        return a == null ? l.formatText() : "W " + l.formatText() + " / A " + a;
    }

    public String modelName() {
        return modelName;
    }

    /** Every layer of the model, in model order. */
    public List<LayerPlan> layers() {
        return layers;
    }

    public Optional<LayerPlan> layer(String name) {
        return layers.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    public List<LayerPlan> quantized() {
        return layers.stream().filter(LayerPlan::isQuantized).toList();
    }

    /** The layers pruned (quantized or not). */
    public List<LayerPlan> pruned() {
        return layers.stream().filter(LayerPlan::isPruned).toList();
    }

    /** Rules that matched no layer or were overridden everywhere they matched. */
    public List<Rule> idleRules() {
        return idleRules;
    }

    /** What the sensitivities shown were measured with, or "" when none are shown. */
    public String sensitivityNote() {
        return sensitivityNote;
    }

    /** Layer name to format, quantized layers only. */
    public Map<String, Format> formats() {
        Map<String, Format> m = new LinkedHashMap<>();
        for (LayerPlan l : layers) {
            if (l.isQuantized()) {
                m.put(l.name(), l.format());
            }
        }
        return m;
    }

    /** Weight parameters of all layers. */
    public long weightParams() {
        return layers.stream().mapToLong(LayerPlan::weightParams).sum();
    }

    /** Storage of all layers' weights under this plan, scales and zero points included, in bytes. */
    public double sizeBytes() {
        return layers.stream().mapToDouble(l -> l.bits() * l.weightParams()).sum() / 8;
    }

    /** Storage of all layers' weights at full precision, in bytes. */
    public double fullPrecisionBytes() {
        return layers.stream().mapToDouble(l -> LayerPlan.fullPrecisionBits(l.layer()) * l.weightParams()).sum() / 8;
    }

    /** Effective bits per weight over the whole model (full-precision layers count their stored width). */
    public double effectiveBits() {
        long n = weightParams();
        return n == 0 ? 0 : sizeBytes() * 8 / n;
    }

    /** Sparsity over the whole model: zeroed weights of pruned layers over every layer's weights. */
    public double sparsity() {
        long n = weightParams();
        return n == 0 ? 0 : pruned().stream().mapToDouble(l -> l.sparsity().fraction() * l.weightParams()).sum() / n;
    }

    /** ", 6 pruned (12.5% of weights zero)" when some layer is pruned, else "". */
    private String prunedText() {
        int n = pruned().size();
        return n == 0 ? "" : String.format(Locale.ROOT, ", %d pruned (%.3g%% of weights zero)", n, sparsity() * 100);
    }

    /** Effective bits per weight over the quantized layers only. */
    public double quantizedBits() {
        long n = quantized().stream().mapToLong(LayerPlan::weightParams).sum();
        return n == 0 ? 0 : quantized().stream().mapToDouble(l -> l.bits() * l.weightParams()).sum() / n;
    }

    /** Whether some layer's algorithm reads calibration statistics (GPTQ, AWQ), or some input has a static scale. */
    public boolean needsCalibration() {
        return weightsNeedCalibration() || hasStaticActivations();
    }

    private boolean weightsNeedCalibration() {
        return layers.stream().anyMatch(l -> l.isQuantized() && l.algorithm().needsCalibration());
    }

    /** The algorithms the plan uses with all their options, e.g. {@code gptq (damp 0.01, block 128, act-order none)}. */
    public List<String> algorithms() {
        return layers.stream().filter(LayerPlan::isQuantized).map(l -> l.algorithm().describe()).distinct().toList();
    }

    /**
     * Swaps the model's weights to this plan (restoring every other layer first; pruned layers pruned, then
     * quantized); no reload. Round to nearest only: a plan with GPTQ or AWQ layers needs calibration ({@code io.precis.engine.calib.PlanQuantizer}).
     * Weights only: the activations are quantized by {@code Analysis.evaluate} (or {@code Model.quantizeActivations}).
     */
    public void applyTo(Model model) {
        if (weightsNeedCalibration())
            throw new IllegalStateException("the plan uses " + String.join(", ", algorithms()) + ", which need calibration data: "
                    + "apply it with io.precis.engine.calib.PlanQuantizer");
        model.restoreAll();
        for (LayerPlan l : layers) {
            if (l.isChanged()) {
                model.swap(model.layer(l.name()), l.transform());
            }
        }
    }

    /** A text table: layer, kind, format, bits, decided by, sensitivity. */
    public String toText() {
        int w = Math.max(5, layers.stream().mapToInt(l -> l.name().length()).max().orElse(5));
        // widened only for the activations' longer text, so that plans without them print as before
        int fw = activations.isEmpty() ? 28 : Math.max(28, layers.stream().mapToInt(l -> formatColumn(l).length()).max().orElse(28));
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Plan for %s: %d of %d layers quantized%s, %.3g effective bits/weight, %s%n",
                modelName, quantized().size(), layers.size(), prunedText(), effectiveBits(), sizeLine()));
        sb.append(String.format(Locale.ROOT, "%-" + w + "s  %-9s  %-" + fw + "s  %6s  %s%n", "layer", "kind", "format", "bits", "decided by"));
        for (LayerPlan l : layers) {
            String sens = l.sensitivity().isPresent() ? String.format(Locale.ROOT, "  sensitivity %.3g", l.sensitivity().getAsDouble()) : "";
            sb.append(String.format(Locale.ROOT, "%-" + w + "s  %-9s  %-" + fw + "s  %6.3f  %s%s%n", l.name(), l.layer().kind().label(),
                    formatColumn(l), l.bits(), l.decidedBy(), sens));
        }
        for (Rule r : idleRules) {
            sb.append("decided nothing: ").append(r.label()).append('\n');
        }
        if (!activations.isEmpty()) {
            sb.append("activations: ").append(activations.size()).append(activations.size() == 1 ? " layer's" : " layers'")
                    .append(" inputs quantized (").append(String.join(", ", new java.util.LinkedHashSet<>(activations.values().stream().map(String::valueOf).toList())))
                    .append(")\n");
        }
        if (weightsNeedCalibration()) {
            sb.append("algorithms: ").append(String.join("; ", algorithms())).append('\n');
        }
        if (!sensitivityNote.isEmpty()) {
            sb.append("sensitivity: ").append(sensitivityNote).append('\n');
        }
        return sb.toString();
    }

    /** The same table as HTML (every cell escaped), for notebooks. */
    public String toHtml() {
        List<List<String>> rows = new ArrayList<>();
        for (LayerPlan l : layers)
            rows.add(List.of(l.name(), l.layer().kind().label(), formatColumn(l),
                    String.format(Locale.ROOT, "%.3f", l.bits()), l.decidedBy(),
                    l.sensitivity().isPresent() ? String.format(Locale.ROOT, "%.3g", l.sensitivity().getAsDouble()) : ""));
        StringBuilder note = new StringBuilder();
        for (Rule r : idleRules) note.append("Decided nothing: ").append(r.label()).append(". ");
        if (!activations.isEmpty()) note.append("Activations: ").append(activations.size()).append(" layers' inputs quantized. ");
        if (weightsNeedCalibration()) note.append("Algorithms: ").append(String.join("; ", algorithms())).append(". ");
        if (!sensitivityNote.isEmpty()) note.append("Sensitivity: ").append(sensitivityNote).append('.');
        String caption = String.format(Locale.ROOT, "Plan for %s: %d of %d layers quantized%s, %.3g effective bits/weight, %s", modelName,
                quantized().size(), layers.size(), prunedText(), effectiveBits(), sizeLine());
        return io.precis.engine.figure.Html.table(caption, List.of("layer", "kind", "format", "bits", "decided by", "sensitivity"), rows,
                java.util.Set.of(3, 5), note.toString().strip());
    }

    /** "12.3 MB of 88.0 MB (7.2x smaller)". */
    public String sizeLine() {
        double size = sizeBytes();
        double full = fullPrecisionBytes();
        return String.format(Locale.ROOT, "%.1f MB of %.1f MB (%.1fx smaller)", size / 1e6, full / 1e6, size == 0 ? 1 : full / size);
    }

    @Override
    public String toString() {
        return toText();
    }
}
