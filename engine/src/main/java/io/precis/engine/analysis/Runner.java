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
        if (!model.isFullPrecision())
            throw new IllegalStateException("analysis needs " + model.name() + " at full precision; swapped: " + model.swapped().keySet());
        tracker.checkInterrupt();
        reference();
        int from = startStage(config);
        if (from > 0) ensureStageInputs(tracker);
        if (from > 0 && stageInputs == null) from = 0;
        Map<Format, List<LayerRef>> byFormat = new LinkedHashMap<>();
        config.forEach((l, f) -> byFormat.computeIfAbsent(f, k -> new ArrayList<>()).add(l));
        try {
            for (Map.Entry<Format, List<LayerRef>> e : byFormat.entrySet()) {
                tracker.checkInterrupt();
                model.swap(e.getValue(), WeightTransform.fakeQuantize(e.getKey()));
            }
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

    /** The first stage any of the configuration's layers is read in (0 when resuming is off or impossible). */
    int startStage(Map<LayerRef, Format> config) {
        if (!prefixReuse || model.stages() <= 1 || config.isEmpty()) return 0;
        return config.keySet().stream().mapToInt(model::stageOf).min().orElse(0);
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
