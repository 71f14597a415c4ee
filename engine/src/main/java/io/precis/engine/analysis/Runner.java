package io.precis.engine.analysis;

import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Scoring;
import io.precis.engine.format.Format;
import io.precis.engine.model.Activation;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.ModelOutput;
import io.precis.engine.model.WeightTransform;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one model on one evaluator's batches under many weight configurations, reusing all it can: the
 * weights are swapped in place and restored (never reloaded), the full-precision outputs are computed once
 * (the evaluator caches them), and for staged models the full-precision input of every stage is kept so that
 * a configuration whose first changed layer is in stage k starts there.
 */
final class Runner {
    /** Above this, stage inputs are not kept (memory), and every run starts at the beginning. */
    static final long STAGE_CACHE_LIMIT_BYTES = 512L << 20;

    private final Model model;
    private final Evaluator evaluator;
    private final boolean prefixReuse;
    private List<List<Activation>> stageInputs; // per batch: the input of stages 1..S-1
    private boolean stageCacheTooBig;
    private float[][] reference;
    private int[] targets;
    private double referenceLoss = Double.NaN;
    private long evaluations;

    Runner(Model model, Evaluator evaluator, boolean prefixReuse) {
        this.model = model;
        this.evaluator = evaluator;
        this.prefixReuse = prefixReuse;
    }

    Model model() { return model; }

    Evaluator evaluator() { return evaluator; }

    /** Configurations run over the whole data so far (the one-off full-precision passes are not counted). */
    synchronized long evaluations() { return evaluations; }

    synchronized float[][] reference() {
        if (reference == null) {
            reference = evaluator.reference();
            targets = evaluator.targets();
            if (targets != null) referenceLoss = Scoring.crossEntropyAndAccuracy(reference, targets)[0];
        }
        return reference;
    }

    int[] targets() {
        reference();
        return targets;
    }

    double referenceLoss() {
        reference();
        return referenceLoss;
    }

    /**
     * The outputs, one row per sample, with {@code config}'s layers quantized and every other layer at full
     * precision; the model is back at full precision when this returns or throws. Needs the model at full
     * precision on entry.
     */
    synchronized float[][] outputs(Map<LayerRef, Format> config, Tracker tracker) {
        Map<Format, WeightTransform> byFormat = new LinkedHashMap<>();
        Map<LayerRef, WeightTransform> transforms = new LinkedHashMap<>();
        config.forEach((l, f) -> transforms.put(l, byFormat.computeIfAbsent(f, WeightTransform::fakeQuantize)));
        return outputsWith(transforms, tracker);
    }

    /** As {@link #outputs}, each layer changed by its own transform (layers sharing one transform are swapped together). */
    synchronized float[][] outputsWith(Map<LayerRef, WeightTransform> config, Tracker tracker) {
        if (!model.isFullPrecision())
            throw new IllegalStateException("analysis needs " + model.name() + " at full precision; swapped: " + model.swapped().keySet());
        tracker.checkInterrupt();
        reference();
        int from = startStage(config);
        if (from > 0) ensureStageInputs(tracker);
        if (from > 0 && stageInputs == null) from = 0;
        try {
            swapIn(config, tracker);
            List<ModelInput> inputs = evaluator.inputs();
            List<float[]> rows = new ArrayList<>();
            for (int b = 0; b < inputs.size(); b++) {
                tracker.checkInterrupt();
                ModelInput in = inputs.get(b);
                ModelOutput out = from > 0 ? model.forwardFrom(in, from, stageInputs.get(b).get(from - 1)) : model.forward(in);
                evaluator.addRows(out, in.size(), rows);
            }
            evaluations++;
            return rows.toArray(float[][]::new);
        } finally {
            model.restoreAll();
        }
    }

    // ---- causal-LM windows, scored batch by batch ----

    /**
     * Causal-LM runs whose full-precision logits would take more than this are scored batch by batch (system
     * property {@code precis.streamAboveBytes}; tests set 0).
     */
    static long streamAboveBytes() {
        return Long.getLong("precis.streamAboveBytes", 256L << 20);
    }

    private List<Activation> headInputs;  // per batch: the full-precision input of the last stage (norm + head)
    private OutputSums referenceSums;

    /**
     * Whether a configuration is measured batch by batch without keeping any run's outputs: causal-LM windows
     * (a logit vector per token), and no changed layer in the first or last stage, so that the full-precision
     * logits of each batch are recomputed from the kept input of the last stage (its weights are not swapped).
     * Memory: that input (context × width floats per window) instead of the logits (context × vocabulary); time:
     * the last stage twice per batch, so only runs whose logits exceed {@link #streamAboveBytes()} stream.
     */
    boolean streams(Map<LayerRef, ?> config) {
        return streams(config, java.util.Set.of());
    }

    /**
     * As {@link #streams(Map)}, with the inputs of {@code activations} to be quantized too (besides those the model
     * quantizes now): the last stage, run for the full-precision logits, must not be one of theirs either.
     */
    boolean streams(Map<LayerRef, ?> config, java.util.Set<LayerRef> activations) {
        if (evaluator.streamWindow() == 0 || model.stages() < 3) return false;
        // small runs keep the logits (the last stage is not run twice); large ones stream
        if ((long) evaluator.scoredTokens() * model.tokenizer().vocabularySize() * Float.BYTES <= streamAboveBytes()) return false;
        int last = model.stages() - 1;
        java.util.Set<LayerRef> changed = changed(config);
        changed.addAll(activations);
        return changed.stream().mapToInt(model::stageOf).allMatch(s -> s > 0 && s < last);
    }

    /**
     * The configuration's layers and those whose inputs the model quantizes now: a pass resumed at stage k from
     * full-precision stage inputs is exact only when none of them is read before k.
     */
    private java.util.Set<LayerRef> changed(Map<LayerRef, ?> config) {
        java.util.Set<LayerRef> all = new java.util.LinkedHashSet<>(config.keySet());
        all.addAll(model.activationLayers());
        return all;
    }

    /** Full-precision loss and accuracy, from the one pass that also keeps each batch's last-stage input. */
    synchronized OutputSums referenceSums(Tracker tracker) {
        if (referenceSums == null) {
            if (!model.isFullPrecision())
                throw new IllegalStateException("analysis needs " + model.name() + " at full precision; swapped: " + model.swapped().keySet());
            List<Activation> heads = new ArrayList<>();
            OutputSums sums = new OutputSums();
            List<ModelInput> inputs = evaluator.inputs();
            int[] all = evaluator.targets();
            int from = 0;
            for (ModelInput in : inputs) {
                tracker.checkInterrupt();
                List<Activation> acts = new ArrayList<>();
                ModelOutput out = model.forwardCollecting(in, acts);
                heads.add(acts.get(acts.size() - 1));
                List<float[]> rows = new ArrayList<>();
                evaluator.addRows(out, in.size(), rows);
                int n = all.length / evaluator.samples() * in.size();
                sums.add(rows, rows, Arrays.copyOfRange(all, from, from + n));
                from += n;
            }
            headInputs = heads;
            referenceSums = sums;
        }
        return referenceSums;
    }

    /** Swaps each layer's transform in; layers sharing one transform (by identity) are swapped together, in first-seen order. */
    private void swapIn(Map<LayerRef, WeightTransform> config, Tracker tracker) {
        Map<WeightTransform, List<LayerRef>> byTransform = new java.util.IdentityHashMap<>();
        List<WeightTransform> order = new ArrayList<>();
        config.forEach((l, t) -> byTransform.computeIfAbsent(t, k -> { order.add(k); return new ArrayList<>(); }).add(l));
        for (WeightTransform t : order) {
            tracker.checkInterrupt();
            model.swap(byTransform.get(t), t);
        }
    }

    /**
     * As {@link #outputsWith}, for a configuration that {@link #streams}: each batch's outputs are scored against
     * that batch's full-precision logits (recomputed by the last stage alone) and dropped.
     */
    synchronized OutputSums measureStreaming(Map<LayerRef, WeightTransform> config, Tracker tracker) {
        if (!streams(config)) throw new IllegalArgumentException("not a streaming configuration: " + config.keySet());
        referenceSums(tracker);
        int last = model.stages() - 1;
        int from = startStage(config);
        if (from > 0) ensureStageInputs(tracker);
        if (from > 0 && stageInputs == null) from = 0;
        try {
            swapIn(config, tracker);
            List<ModelInput> inputs = evaluator.inputs();
            int[] all = evaluator.targets();
            int at = 0;
            OutputSums sums = new OutputSums();
            for (int b = 0; b < inputs.size(); b++) {
                tracker.checkInterrupt();
                ModelInput in = inputs.get(b);
                ModelOutput out = from > 0 ? model.forwardFrom(in, from, stageInputs.get(b).get(from - 1)) : model.forward(in);
                List<float[]> rows = new ArrayList<>(), ref = new ArrayList<>();
                evaluator.addRows(out, in.size(), rows);
                evaluator.addRows(model.forwardFrom(in, last, headInputs.get(b)), in.size(), ref);
                int n = all.length / evaluator.samples() * in.size();
                sums.add(rows, ref, Arrays.copyOfRange(all, at, at + n));
                at += n;
            }
            evaluations++;
            return sums;
        } finally {
            model.restoreAll();
        }
    }

    /**
     * The first stage any of the configuration's layers, or of the layers whose inputs are quantized now, is read
     * in (0 when resuming is off or impossible).
     */
    int startStage(Map<LayerRef, ?> config) {
        java.util.Set<LayerRef> changed = changed(config);
        if (!prefixReuse || model.stages() <= 1 || changed.isEmpty()) return 0;
        return changed.stream().mapToInt(model::stageOf).min().orElse(0);
    }

    private void ensureStageInputs(Tracker tracker) {
        if (stageInputs != null || stageCacheTooBig) return;
        List<List<Activation>> all = new ArrayList<>();
        long bytes = 0;
        for (ModelInput in : evaluator.inputs()) {
            tracker.checkInterrupt();
            List<Activation> acts = new ArrayList<>();
            model.forwardCollecting(in, acts);
            for (Activation a : acts) bytes += a.bytes();
            if (bytes > STAGE_CACHE_LIMIT_BYTES) {
                stageCacheTooBig = true;
                return;
            }
            all.add(acts);
        }
        stageInputs = all;
    }

}
