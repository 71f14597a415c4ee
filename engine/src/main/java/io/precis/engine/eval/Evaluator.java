package io.precis.engine.eval;

import io.precis.engine.data.Dataset;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.ImageSet;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.data.Tokenizer;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelException;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.ModelOutput;
import io.precis.engine.model.ModelTask;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a model on a dataset and scores it: loss, perplexity and accuracy against labels or next tokens; KL,
 * cosine and nearest-neighbour agreement against the full-precision outputs, which are computed once (at
 * full precision, even while weights are swapped) and cached.
 */
public final class Evaluator {
    /** Full-precision outputs by model hash, data hash and sample choice; a few models' worth. */
    private static final Map<String, float[][]> REFERENCES = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, float[][]> e) {
            return size() > 8;
        }
    };

    /** Tokens per batch of causal-LM windows: 1,024 logit vectors of SmolLM2's vocabulary are 200 MB. */
    static final int STREAM_BATCH_TOKENS = 1024;

    private final Model model;
    private final Dataset data;
    private final int batchSize;
    private final long seed;
    private final int maxSamples;
    private List<ModelInput> batches;
    private int[] labels;        // classifier labels or LM targets (flattened), else null
    private int samples;
    private int stream;          // causal LM windows of this many tokens (no position table), else 0

    public Evaluator(Model model, Dataset data) {
        this(model, data, 32, 0L, Integer.MAX_VALUE);
    }

    /**
     * @param maxSamples at most this many sentences, images or LM windows (a seeded choice when fewer than all)
     */
    public Evaluator(Model model, Dataset data, int batchSize, long seed, int maxSamples) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, not " + batchSize);
        this.model = model;
        this.data = data;
        this.batchSize = batchSize;
        this.seed = seed;
        this.maxSamples = maxSamples;
        check();
    }

    private void check() {
        ModelTask task = model.task();
        boolean ok = switch (task) {
            case EMBEDDING -> data instanceof SentenceSet;
            case CLASSIFIER -> data instanceof ImageSet;
            case LANGUAGE_MODEL -> data instanceof TextCorpus;
        };
        if (!ok) throw mismatch("the model takes " + model.inputDescription() + " (" + task.name().toLowerCase() + ")");
        if (data instanceof ImageSet img && model.imageShape() != null) {
            int[] s = model.imageShape();
            if (s[0] != img.channels() || s[1] != img.height() || s[2] != img.width())
                throw mismatch("the model takes images " + s[0] + "x" + s[1] + "x" + s[2]);
        }
        if (task != ModelTask.CLASSIFIER && model.tokenizer() == null)
            throw new ModelException(model.name(), "has no tokenizer, so it cannot read text");
        if (data instanceof TextCorpus text) {
            Tokenizer tok = model.tokenizer();
            int unknown = tok.unknownCount(text.text());
            if (unknown > text.size() / 100)
                throw mismatch(unknown + " of its " + text.size() + " characters are not in the model's vocabulary (" + tok.name() + ")");
        }
    }

    private ModelException mismatch(String why) {
        return new ModelException("dataset '" + data.name() + "'", "does not match model '" + model.name() + "': it holds "
                + data.description() + ", but " + why);
    }

    public Model model() { return model; }

    public Dataset data() { return data; }

    /** Scores the model as it is now (swapped or not). */
    public Evaluation evaluate() {
        long t0 = System.nanoTime();
        prepare();
        if (stream > 0 && model.isFullPrecision()) {
            // a causal LM at full precision is its own reference: each batch's logits are scored and dropped
            double nll = 0;
            long correct = 0;
            int at = 0;
            for (ModelInput in : batches) {
                List<float[]> rows = new ArrayList<>();
                addRows(model.forward(in), in.size(), rows);
                int n = labels.length / samples * in.size();
                double[] lossAcc = Scoring.crossEntropyAndAccuracy(rows.toArray(float[][]::new), Arrays.copyOfRange(labels, at, at + n));
                nll += lossAcc[0] * n;
                correct += Math.round(lossAcc[1] * n);
                at += n;
            }
            return score(nll / labels.length, correct / (double) labels.length, 0, (System.nanoTime() - t0) / 1e9, model.weightsDescription());
        }
        float[][] current = run();
        return score(current, (System.nanoTime() - t0) / 1e9, true);
    }

    /**
     * Scores outputs computed elsewhere for {@link #inputs()} (one row per sample, as {@link #reference()} has
     * them), e.g. by an analysis that resumed the forward pass in the middle; {@code weights} says what the
     * weights were when they were computed (for the provenance).
     */
    public Evaluation score(float[][] current, double seconds, String weights) {
        Evaluation e = score(current, seconds, false);
        Provenance p = e.provenance();
        Provenance q = new Provenance(p.model(), p.modelHash(), weights, p.data(), p.dataHash(), p.samples(), p.seed(), p.engine(), p.device());
        return new Evaluation(e.scores().stream().map(s -> new Score(s.metric(), s.value(), q)).toList(), q, seconds);
    }

    /**
     * Scores a classifier's or language model's run from its loss, accuracy and KL to full precision, computed
     * elsewhere batch by batch (causal-LM windows, whose outputs are not kept whole).
     */
    public Evaluation score(double loss, double accuracy, double kl, double seconds, String weights) {
        prepare();
        if (labels == null) throw new IllegalStateException("an embedding model has no loss");
        Provenance p = provenance();
        Provenance q = new Provenance(p.model(), p.modelHash(), weights, p.data(), p.dataHash(), p.samples(), p.seed(), p.engine(), p.device());
        List<Score> scores = new ArrayList<>();
        scores.add(new Score(Metric.LOSS, loss, q));
        if (model.task() == ModelTask.LANGUAGE_MODEL) scores.add(new Score(Metric.PERPLEXITY, Math.exp(loss), q));
        scores.add(new Score(Metric.ACCURACY, accuracy, q));
        scores.add(new Score(Metric.KL, kl, q));
        return new Evaluation(scores, q, seconds);
    }

    /** {@code fromModelNow}: the outputs are the model's as it is now, so at full precision they are the reference. */
    private Evaluation score(float[][] current, double seconds, boolean fromModelNow) {
        prepare();
        if (current.length != samples)
            throw new IllegalArgumentException(current.length + " output rows for " + samples + " samples");
        float[][] reference = reference(fromModelNow ? current : null);
        Provenance p = provenance();
        List<Score> scores = new ArrayList<>();
        switch (model.task()) {
            case EMBEDDING -> {
                scores.add(new Score(Metric.COSINE, Scoring.meanCosine(current, reference), p));
                scores.add(new Score(Metric.NN_AGREEMENT, Scoring.nearestNeighbourAgreement(current, reference), p));
            }
            case CLASSIFIER, LANGUAGE_MODEL -> {
                double[] lossAcc = Scoring.crossEntropyAndAccuracy(current, labels);
                scores.add(new Score(Metric.LOSS, lossAcc[0], p));
                if (model.task() == ModelTask.LANGUAGE_MODEL) scores.add(new Score(Metric.PERPLEXITY, Math.exp(lossAcc[0]), p));
                scores.add(new Score(Metric.ACCURACY, lossAcc[1], p));
                int classes = current[0].length / (labels.length / current.length);
                scores.add(new Score(Metric.KL, Scoring.meanKl(reference, current, classes), p));
            }
        }
        return new Evaluation(scores, p, seconds);
    }

    /** The batches this evaluator runs, in order (built once). */
    public List<ModelInput> inputs() {
        prepare();
        return java.util.Collections.unmodifiableList(batches);
    }

    /** Class labels or next-token targets, one per scored output vector in order; null for embedding models. */
    public int[] targets() {
        prepare();
        return labels == null ? null : labels.clone();
    }

    /** Samples scored: sentences, images or language-model windows. */
    public int samples() {
        prepare();
        return samples;
    }

    /** The seed of the sample choice. */
    public long seed() { return seed; }

    public int batchSize() { return batchSize; }

    /** Full-precision outputs for this data (computed once, then cached). */
    public float[][] reference() {
        prepare();
        return reference(null);
    }

    private float[][] reference(float[][] currentIfFullPrecision) {
        // the device is part of the key: a GPU's outputs differ from the CPU's by rounding, and a score compares
        // outputs computed on one device only
        String key = model.modelHash() + "|" + model.device() + "|" + data.hash() + "|" + seed + "|" + samples + "|" + batchSize;
        synchronized (REFERENCES) {
            float[][] r = REFERENCES.get(key);
            if (r != null) return r;
        }
        float[][] r = currentIfFullPrecision != null && model.isFullPrecision() && currentIfFullPrecision.length == samples ? currentIfFullPrecision : model.atFullPrecision(this::run);
        synchronized (REFERENCES) {
            REFERENCES.put(key, r);
        }
        return r;
    }

    public Provenance provenance() {
        prepare();
        return new Provenance(model.name(), model.modelHash(), model.weightsDescription(), data.name(), data.hash(), samples, seed,
                model.engine(), model.device());
    }

    /** Outputs per sample: an embedding, class logits, or one window's logits flattened [t * vocab]. */
    private float[][] run() {
        List<float[]> rows = new ArrayList<>();
        for (ModelInput in : batches) {
            ModelOutput out = model.forward(in);
            int n = in.size();
            addRows(out, n, rows);
            if (model.task() == ModelTask.CLASSIFIER && out.width() <= maxLabel())
                throw mismatch("the model gives " + out.width() + " classes and the labels go up to " + maxLabel());
        }
        return rows.toArray(float[][]::new);
    }

    /**
     * How much of one sample's output is scored: all of it, except for causal-LM windows, whose last position
     * predicts a token beyond the window (positions 2..N are scored, from the logits of positions 1..N-1).
     */
    private int scoredLength(int rowLength) {
        return stream > 0 && rowLength % stream == 0 ? rowLength / stream * (stream - 1) : rowLength;
    }

    /**
     * Splits one batch's output into one row per sample, as {@link #score} takes them: for causal-LM windows
     * without the last position's logits.
     */
    public void addRows(ModelOutput out, int n, List<float[]> rows) {
        prepare();
        int per = out.values().length / n;
        for (int i = 0; i < n; i++) rows.add(Arrays.copyOfRange(out.values(), i * per, i * per + scoredLength(per)));
    }

    /** Tokens (or labels) scored: next-token targets of all LM windows, labels of all images; 0 for embeddings. */
    public int scoredTokens() {
        prepare();
        return labels == null ? 0 : labels.length;
    }

    /** The window length of a causal LM's text (tokens), or 0 when the model reads windows of its position table. */
    public int streamWindow() {
        prepare();
        return stream;
    }

    private int maxLabel() {
        return Arrays.stream(labels).max().orElse(0);
    }

    private synchronized void prepare() {
        if (batches != null) return;
        batches = new ArrayList<>();
        switch (data) {
            case SentenceSet s -> {
                List<String> chosen = choose(s.sentences());
                Tokenizer tok = model.tokenizer();
                for (int i = 0; i < chosen.size(); i += batchSize)
                    batches.add(ModelInput.Tokens.of(tok, chosen.subList(i, Math.min(chosen.size(), i + batchSize))));
                samples = chosen.size();
            }
            case ImageSet img -> {
                int n = Math.min(maxSamples, img.size());
                int[] idx = n == img.size() ? null : Arrays.copyOf(Datasets.permutation(img.size(), seed), n);
                if (idx != null) Arrays.sort(idx);
                labels = new int[n];
                int p = img.pixelsPerImage();
                for (int i = 0; i < n; i += batchSize) {
                    int m = Math.min(batchSize, n - i);
                    float[] px = new float[m * p];
                    for (int j = 0; j < m; j++) {
                        int src = idx == null ? i + j : idx[i + j];
                        System.arraycopy(img.pixels(), src * p, px, j * p, p);
                        labels[i + j] = img.labels()[src];
                    }
                    batches.add(new ModelInput.Images(px, m, img.channels(), img.height(), img.width()));
                }
                samples = n;
            }
            case TextCorpus text -> {
                Integer table = positionTable();
                long[][] w;
                int context, targets;
                if (table == null) {
                    // a causal LM with rotary positions (GGUF): the text as one stream cut into windows of N tokens,
                    // each scored on its own at positions 2..N; windows chosen as sentences are
                    context = text.context() > 0 ? text.context() : TextCorpus.DEFAULT_CONTEXT;
                    stream = context;
                    w = choose(Arrays.asList(text.streamWindows(model.tokenizer(), context))).toArray(long[][]::new);
                    targets = context - 1;
                } else {
                    if (text.context() > table) throw mismatch("the model's context is " + table + " tokens, not " + text.context());
                    context = text.context() > 0 ? text.context() : table;
                    w = text.windows(model.tokenizer(), context, maxSamples);
                    targets = context;
                }
                if (w.length == 0) throw mismatch("it is shorter than one context of " + context + " tokens");
                labels = new int[w.length * targets];
                // a causal LM's batch holds a logit vector per token (SmolLM2: 49,152 floats): at most STREAM_BATCH_TOKENS of them
                int perBatch = stream > 0 ? Math.min(batchSize, Math.max(1, STREAM_BATCH_TOKENS / context)) : batchSize;
                for (int i = 0; i < w.length; i += perBatch) {
                    int m = Math.min(perBatch, w.length - i);
                    long[][] ids = new long[m][context], mask = new long[m][context];
                    for (int j = 0; j < m; j++) {
                        System.arraycopy(w[i + j], 0, ids[j], 0, context);
                        Arrays.fill(mask[j], 1);
                        for (int k = 0; k < targets; k++) labels[(i + j) * targets + k] = (int) w[i + j][k + 1];
                    }
                    batches.add(new ModelInput.Tokens(ids, mask));
                }
                samples = w.length;
            }
        }
    }

    /** The length of the model's learned position table, or null for models without one (rotary positions: GGUF). */
    private Integer positionTable() {
        return model.layers().stream().filter(l -> l.name().equals("position") || l.name().endsWith("position_embeddings"))
                .findFirst().map(l -> (int) l.shape()[0]).orElse(null);
    }

    private <T> List<T> choose(List<T> all) {
        if (maxSamples >= all.size()) return all;
        int[] idx = Arrays.copyOf(Datasets.permutation(all.size(), seed), maxSamples);
        Arrays.sort(idx);
        List<T> out = new ArrayList<>(maxSamples);
        for (int i : idx) out.add(all.get(i));
        return out;
    }
}
