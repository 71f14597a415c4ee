package io.precis.engine.plan;

import io.precis.engine.model.LayerKind;
import io.precis.engine.model.LayerRef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Resolves rules into a plan, as the language defines it:
 * <ol>
 * <li>rules apply in order; a later rule overrides an earlier one on the layers it matches;</li>
 * <li>{@code keep} pins a layer at full precision, whatever comes before or after it;</li>
 * <li>embeddings, norms and output heads stay at full precision ("default") unless a rule names them
 *     explicitly: a pattern without wildcards that is their name or a dotted suffix of it, or a
 *     {@code where} condition on their kind;</li>
 * <li>a rule's {@code where} is evaluated per layer with the rule's format (so {@code sensitivity} is the
 *     layer's sensitivity to that format, computed on demand);</li>
 * <li>{@code prune} rules are a second layer over the first: the last one that applies to a layer (by the same
 *     patterns, defaults and conditions) prunes it before its format is applied; {@code keep} leaves it unpruned;
 *     pruning combines with round to nearest only;</li>
 * <li>{@code quantize activations} rules are a third layer: the last one that covers a linear layer (by patterns,
 *     exceptions and condition) quantizes its input, whatever its weights' format; {@code keep} does not stop it;</li>
 * <li>rules that decide no layer are listed.</li>
 * </ol>
 */
public final class Planner {

    /** Kinds that stay at full precision unless a rule names them. */
    public static final Set<LayerKind> DEFAULT_KEPT = Set.of(LayerKind.EMBEDDING, LayerKind.NORM, LayerKind.HEAD);

    private Planner() {}

    public static Plan resolve(String modelName, List<LayerRef> layers, List<Rule> rules, SensitivityLookup sensitivities) {
        Set<Rule> deciding = new HashSet<>();
        java.util.Map<String, ActivationSpec> activations = new java.util.LinkedHashMap<>();
        List<LayerPlan> out = new ArrayList<>(layers.size());
        boolean anySensitivity = false;
        for (int i = 0; i < layers.size(); i++) {
            LayerRef layer = layers.get(i);
            String name = layer.name();
            boolean keptByDefault = DEFAULT_KEPT.contains(layer.kind());
            Rule decided = null;
            for (Rule r : rules) {
                if (r.isKeep() || r.isPrune() || r.isActivations() || !r.covers(name)) {
                    continue;
                }
                if (keptByDefault && !r.namesExplicitly(name, layer.kind())) {
                    continue;
                }
                if (r.where() != null && !r.where().test(new Candidate(layer, i, r.format(), sensitivities))) {
                    continue;
                }
                decided = r;
            }
            for (Rule r : rules) {
                if (r.isKeep() && r.covers(name)
                        && (r.where() == null || r.where().test(new Candidate(layer, i, null, sensitivities)))) {
                    decided = r;
                    break;
                }
            }
            Rule pruned = decided != null && decided.isKeep() ? null : pruneRule(layer, i, rules, sensitivities);
            if (pruned != null) {
                deciding.add(pruned);
                checkPrunable(layer, pruned, decided);
            }
            Rule act = activationRule(layer, i, rules, sensitivities);
            String actLabel = "";
            if (act != null) {
                deciding.add(act);
                activations.put(name, act.activations());
                actLabel = "; " + act.label();
            }
            if (decided != null) {
                deciding.add(decided);
                OptionalDouble sens = decided.isKeep() ? OptionalDouble.empty() : sensitivities.known(layer, decided.format());
                anySensitivity |= sens.isPresent();
                out.add(new LayerPlan(layer, decided.format(), decided.label() + (pruned == null ? "" : "; " + pruned.label()) + actLabel, sens,
                        decided.algorithm(), pruned == null ? null : pruned.sparsity()));
            } else if (pruned != null) {
                out.add(new LayerPlan(layer, null, pruned.label() + actLabel, OptionalDouble.empty(), null, pruned.sparsity()));
            } else {
                out.add(new LayerPlan(layer, null, (keptByDefault ? "default (" + layer.kind().label() + ")" : "no rule") + actLabel,
                        OptionalDouble.empty()));
            }
        }
        List<Rule> idle = rules.stream().filter(r -> !deciding.contains(r)).toList();
        return new Plan(modelName, out, idle, anySensitivity ? sensitivities.describe() : "").withActivations(activations);
    }

    /** The last activation rule that applies to the layer (linear layers with one weight matrix only), or null. */
    private static Rule activationRule(LayerRef layer, int index, List<Rule> rules, SensitivityLookup sensitivities) {
        if (layer.kind() != LayerKind.LINEAR || layer.weights().size() != 1 || layer.weight().shape().length != 2) return null;
        Rule last = null;
        for (Rule r : rules)
            if (r.isActivations() && r.covers(layer.name())
                    && (r.where() == null || r.where().test(new Candidate(layer, index, null, sensitivities)))) last = r;
        return last;
    }

    /** The last prune rule that applies to the layer, or null. */
    private static Rule pruneRule(LayerRef layer, int index, List<Rule> rules, SensitivityLookup sensitivities) {
        Rule pruned = null;
        boolean keptByDefault = DEFAULT_KEPT.contains(layer.kind());
        for (Rule r : rules) {
            if (r.isPrune() && r.covers(layer.name()) && (!keptByDefault || r.namesExplicitly(layer.name(), layer.kind()))
                    && (r.where() == null || r.where().test(new Candidate(layer, index, null, sensitivities)))) {
                pruned = r;
            }
        }
        return pruned;
    }

    private static void checkPrunable(LayerRef layer, Rule prune, Rule quantize) {
        if (quantize != null && quantize.algorithm().needsCalibration()) {
            throw new IllegalArgumentException(prune.label() + ": pruning combines with round to nearest; layer " + layer.name()
                    + " is quantized " + quantize.algorithm().name() + " by " + quantize.label());
        }
        for (var t : layer.weights()) {
            String misfit = prune.sparsity().misfit(t);
            if (misfit != null) {
                throw new IllegalArgumentException(prune.label() + ": " + misfit + " (layer " + layer.name() + ")");
            }
        }
    }
}
