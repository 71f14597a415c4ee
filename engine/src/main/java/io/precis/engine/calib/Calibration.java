package io.precis.engine.calib;

import io.precis.engine.data.Dataset;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.ImageSet;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.data.Split;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Calibration data and how it is used: at most {@code samples} samples of {@code data} (a seeded choice), in
 * batches of {@code batchSize}; {@code sequential}: each layer's inputs are captured with the layers before it
 * already quantized (one capture pass per group of layers reading the same tensor) rather than all at full
 * precision in one pass.
 */
public record Calibration(Dataset data, int samples, long seed, int batchSize, boolean sequential) {

    /** Samples calibrated on unless said otherwise. */
    public static final int DEFAULT_SAMPLES = 128;

    public Calibration {
        if (samples <= 0) throw new IllegalArgumentException("calibration samples must be positive, not " + samples);
        if (batchSize <= 0) throw new IllegalArgumentException("calibration batch size must be positive, not " + batchSize);
    }

    public static Calibration on(Dataset data) {
        return new Calibration(data, DEFAULT_SAMPLES, 0, 32, false);
    }

    public Calibration samples(int n) { return new Calibration(data, n, seed, batchSize, sequential); }

    public Calibration seed(long s) { return new Calibration(data, samples, s, batchSize, sequential); }

    public Calibration sequential(boolean on) { return new Calibration(data, samples, seed, batchSize, on); }

    /** The batches calibration runs, built as an evaluation would build them (same tokenisation and padding). */
    public List<ModelInput> inputs(Model model) {
        return new Evaluator(model, data, batchSize, seed, samples).inputs();
    }

    /**
     * Cuts {@code data} into disjoint calibration ({@code calibrationSamples} samples; for text, that many
     * characters) and evaluation parts by a seeded shuffle (text: a seeded slice).
     */
    public static Split<? extends Dataset> split(Dataset data, int calibrationSamples, long seed) {
        return switch (data) {
            case SentenceSet s -> Datasets.split(s, calibrationSamples, seed);
            case ImageSet i -> Datasets.split(i, calibrationSamples, seed);
            case TextCorpus t -> Datasets.split(t, calibrationSamples, seed);
        };
    }

    /**
     * Streams every batch through the model and accumulates each layer's input statistics; layers reading the same
     * tensor share one {@link LayerStats}. Only the statistics stay in memory (per layer d² floats with
     * {@code gram}), never the activations beyond one batch.
     *
     * @param checkpoint called before each batch (an analysis checks for interrupts there)
     */
    public static Map<String, LayerStats> capture(Model model, List<ModelInput> batches, List<LayerRef> layers, boolean gram,
                                                  Runnable checkpoint) {
        Map<String, LayerStats> out = new LinkedHashMap<>();
        Map<String, LayerRef> byName = new LinkedHashMap<>();
        for (LayerRef l : layers) byName.put(l.name(), l);
        for (ModelInput in : batches) {
            if (checkpoint != null) checkpoint.run();
            // each distinct input arrives once with the layers reading it, is folded in, and is let go
            model.layerInputs(in, layers, (names, x) -> {
                LayerStats st = out.get(names.get(0));
                if (st == null) {
                    // the first batch decides which layers share statistics (the same input tensor)
                    st = new LayerStats(width(byName.get(names.get(0))), gram);
                    for (String n : names) out.put(n, st);
                }
                st.add(x, x.length / st.width());
            });
        }
        for (LayerRef l : layers)
            if (!out.containsKey(l.name())) throw new IllegalStateException("the calibration pass never saw the input of " + l.name());
        Map<String, LayerStats> ordered = new LinkedHashMap<>();
        for (LayerRef l : layers) ordered.put(l.name(), out.get(l.name()));
        return ordered;
    }

    /**
     * Each layer's input rows themselves, for what statistics cannot give (SmoothQuant's α search, percentile and
     * MSE clips): at most {@code maxRows} rows per distinct input, a uniform sample (reservoir, seeded) of all the
     * calibration rows. Layers reading the same tensor share one array. Memory: maxRows × width floats per input.
     */
    public static Map<String, float[]> captureRows(Model model, List<ModelInput> batches, List<LayerRef> layers, int maxRows, long seed,
                                                   Runnable checkpoint) {
        Map<String, float[]> out = new LinkedHashMap<>();
        Map<String, long[]> seenByLayer = new LinkedHashMap<>();   // rows seen, rows kept; shared like the arrays
        Map<float[], String> firstReader = new IdentityHashMap<>();
        Map<String, String> sharesWith = new LinkedHashMap<>();
        java.util.Random rnd = new java.util.Random(seed);
        for (ModelInput in : batches) {
            if (checkpoint != null) checkpoint.run();
            Map<String, float[]> rows = model.layerInputs(in, layers);
            firstReader.clear();
            for (LayerRef l : layers) {
                float[] x = rows.get(l.name());
                String owner = firstReader.putIfAbsent(x, l.name());
                if (owner != null) {
                    sharesWith.putIfAbsent(l.name(), owner);
                    continue;
                }
                int d = width(l), n = x.length / d;
                float[] keep = out.computeIfAbsent(l.name(), k -> new float[Math.multiplyExact(maxRows, d)]);
                long[] c = seenByLayer.computeIfAbsent(l.name(), k -> new long[2]);
                for (int r = 0; r < n; r++, c[0]++) {
                    long slot = c[0] < maxRows ? c[0] : (long) (rnd.nextDouble() * (c[0] + 1));
                    if (slot < maxRows) System.arraycopy(x, r * d, keep, (int) slot * d, d);
                }
                c[1] = Math.min(c[0], maxRows);
            }
        }
        Map<String, float[]> result = new LinkedHashMap<>();
        for (LayerRef l : layers) {
            String owner = sharesWith.getOrDefault(l.name(), l.name());
            float[] keep = out.get(owner);
            if (keep == null) continue;
            int kept = (int) seenByLayer.get(owner)[1] * width(l);
            result.put(l.name(), keep.length == kept ? keep : result.containsKey(owner) ? result.get(owner) : Arrays.copyOf(keep, kept));
        }
        return result;
    }

    /** Input features of a linear layer: its weight's reduction axis. */
    static int width(LayerRef l) {
        var w = l.weight();
        if (w.shape().length != 2) throw new IllegalArgumentException(l.name() + " is not a linear layer (weight " + Arrays.toString(w.shape()) + ")");
        return Math.toIntExact(w.shape()[w.reductionAxis()]);
    }

    /** Bytes the statistics hold, each shared one counted once. */
    public static long bytes(Map<String, LayerStats> stats) {
        Set<LayerStats> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        long b = 0;
        for (LayerStats s : stats.values()) if (seen.add(s)) b += s.bytes();
        return b;
    }

    /**
     * Which samples calibrated and which evaluated, and how many samples are in both (identical token sequences
     * without padding, or identical images).
     */
    public record Samples(String calibratedOn, int calibrationSamples, String evaluatedOn, int evaluationSamples, int overlap) {

        public static Samples of(Dataset calibration, List<ModelInput> calibrationInputs, Dataset evaluation, List<ModelInput> evaluationInputs) {
            Set<List<Object>> a = keys(calibrationInputs);
            Set<List<Object>> b = keys(evaluationInputs);
            int both = 0;
            for (List<Object> k : a) if (b.contains(k)) both++;
            return new Samples(calibration.name(), count(calibrationInputs), evaluation.name(), count(evaluationInputs), both);
        }

        /** "calibrated on 128 samples of X; evaluated on 194 samples of Y (disjoint)" or a warning. */
        public String text() {
            String s = String.format(Locale.ROOT, "calibrated on %d samples of %s; evaluated on %d samples of %s", calibrationSamples,
                    calibratedOn, evaluationSamples, evaluatedOn);
            return overlap == 0 ? s + " (disjoint)" : s + ". Warning: " + overlap + " samples both calibrated and evaluated, "
                    + "so the result looks better than on unseen data";
        }

        private static int count(List<ModelInput> in) {
            return in.stream().mapToInt(ModelInput::size).sum();
        }

        private static Set<List<Object>> keys(List<ModelInput> inputs) {
            Set<List<Object>> out = new HashSet<>();
            for (ModelInput in : inputs) {
                switch (in) {
                    case ModelInput.Tokens t -> {
                        for (int i = 0; i < t.size(); i++) {
                            List<Object> k = new ArrayList<>();
                            for (int j = 0; j < t.length(); j++) if (t.mask()[i][j] != 0) k.add(t.ids()[i][j]);
                            out.add(k);
                        }
                    }
                    case ModelInput.Images img -> {
                        int p = img.channels() * img.height() * img.width();
                        for (int i = 0; i < img.n(); i++)
                            out.add(List.of(new FloatKey(Arrays.copyOfRange(img.pixels(), i * p, (i + 1) * p))));
                    }
                }
            }
            return out;
        }

        private record FloatKey(float[] v) {
            @Override public boolean equals(Object o) { return o instanceof FloatKey f && Arrays.equals(v, f.v); }
            @Override public int hashCode() { return Arrays.hashCode(v); }
        }
    }
}
