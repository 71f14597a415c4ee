package io.precis.engine.plan;

import io.precis.engine.format.Format;
import io.precis.engine.model.LayerKind;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One line of a quantization plan: quantize the layers its patterns match (less those {@code except}
 * matches, and those its {@code where} condition rejects) to a format, keep them at full precision, or prune them
 * (a sparsity, which applies before whatever format the quantize rules give the layer).
 *
 * @param label how reports name the rule, e.g. {@code "rule 2 (line 4): quantize *.attention.* to int8 per channel"}
 * @param patterns the layers it is about
 * @param except layers it leaves alone
 * @param format the format, or null for {@code keep} and {@code prune}
 * @param where a condition on each candidate, or null
 * @param namedKinds kinds the condition names ({@code kind = embedding}): such layers count as named explicitly
 * @param algorithm how to quantize: round to nearest (the default), GPTQ, AWQ
 * @param sparsity for {@code prune}, how much to prune; null otherwise
 * @param activations for {@code quantize activations}, how the layers' inputs are quantized; null otherwise (such a
 *        rule leaves the weights to the other rules)
 */
public record Rule(String label, List<LayerPattern> patterns, List<LayerPattern> except, Format format,
                   Predicate<Candidate> where, Set<LayerKind> namedKinds, io.precis.engine.algo.QuantAlgorithm algorithm,
                   io.precis.engine.algo.Sparsity sparsity, ActivationSpec activations) {

    public Rule {
        Objects.requireNonNull(label);
        patterns = List.copyOf(patterns);
        except = List.copyOf(except);
        namedKinds = Set.copyOf(namedKinds);
        if (patterns.isEmpty()) {
            throw new IllegalArgumentException(label + ": a rule needs at least one layer pattern");
        }
        algorithm = algorithm == null ? io.precis.engine.algo.QuantAlgorithm.RTN : algorithm;
        if ((format != null ? 1 : 0) + (sparsity != null ? 1 : 0) + (activations != null ? 1 : 0) > 1) {
            throw new IllegalArgumentException(label + ": a rule quantizes weights, prunes or quantizes activations, one of them");
        }
    }

    public static Rule quantize(String label, List<LayerPattern> patterns, Format format) {
        return new Rule(label, patterns, List.of(), Objects.requireNonNull(format), null, Set.of(), null, null, null);
    }

    public static Rule keep(String label, List<LayerPattern> patterns) {
        return new Rule(label, patterns, List.of(), null, null, Set.of(), null, null, null);
    }

    /** Prune the layers to {@code sparsity}; their format comes from the quantize rules (full precision without one). */
    public static Rule prune(String label, List<LayerPattern> patterns, io.precis.engine.algo.Sparsity sparsity) {
        return new Rule(label, patterns, List.of(), null, null, Set.of(), null, Objects.requireNonNull(sparsity), null);
    }

    /** Quantize the inputs of the matching linear layers; their weights are the other rules' business. */
    public static Rule activations(String label, List<LayerPattern> patterns, ActivationSpec spec) {
        return new Rule(label, patterns, List.of(), null, null, Set.of(), null, null, Objects.requireNonNull(spec));
    }

    public Rule where(Predicate<Candidate> condition, Set<LayerKind> kinds) {
        return new Rule(label, patterns, except, format, condition, kinds, algorithm, sparsity, activations);
    }

    public Rule except(List<LayerPattern> exceptions) {
        return new Rule(label, patterns, exceptions, format, where, namedKinds, algorithm, sparsity, activations);
    }

    /** The same rule quantizing with another algorithm. */
    public Rule using(io.precis.engine.algo.QuantAlgorithm a) {
        return new Rule(label, patterns, except, format, where, namedKinds, a, sparsity, activations);
    }

    public boolean isKeep() {
        return format == null && sparsity == null && activations == null;
    }

    public boolean isActivations() {
        return activations != null;
    }

    public boolean isPrune() {
        return sparsity != null;
    }

    /** Whether the layer is within the rule's patterns and outside its exceptions (the condition aside). */
    public boolean covers(String layerName) {
        return patterns.stream().anyMatch(p -> p.matches(layerName)) && except.stream().noneMatch(p -> p.matches(layerName));
    }

    /** Whether the rule names the layer explicitly: a wildcard-free pattern, or its kind in the condition. */
    public boolean namesExplicitly(String layerName, LayerKind kind) {
        return namedKinds.contains(kind) || patterns.stream().anyMatch(p -> p.namesExactly(layerName));
    }

    @Override
    public String toString() {
        return label;
    }
}
