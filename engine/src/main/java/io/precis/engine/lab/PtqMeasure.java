package io.precis.engine.lab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.algo.Gptq;
import io.precis.engine.calib.LayerStats;
import io.precis.engine.model.djl.InputCapture;
import io.precis.engine.quant.Quantizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Measures δ_PTQ of a trained lab model: the held-out loss with the latent weights, then with the attention and
 * MLP matrices quantized by each {@link Ptq}, restored after each. Round to nearest quantizes each matrix alone;
 * GPTQ quantizes it against the Hessian of its inputs, gathered once per model from calibration windows of the
 * training split (never the held-out one), each layer's inputs those of the unquantized model, as a Precis plan
 * calibrates. The held-out windows are fixed: {@code windows} windows of the cell's context, evenly spaced over
 * the held-out stream; the calibration windows are as many, evenly spaced over the training stream.
 */
public final class PtqMeasure {
    private PtqMeasure() {}

    /** One post-training quantization: a family name for the table, its bits, the engine format, rtn or gptq. */
    public record Ptq(String family, int bits, Format format, String algorithm) {
        public Ptq {
            if (!algorithm.equals("rtn") && !algorithm.equals("gptq")) throw new IllegalArgumentException("PTQ algorithm " + algorithm + ": use rtn or gptq");
        }

        /** What identifies its row in a cell's table: family, bits and algorithm. */
        String key() {
            return PtqMeasure.key(family, bits, algorithm);
        }
    }

    static String key(String family, int bits, String algorithm) {
        return family + "/" + bits + "/" + algorithm;
    }

    static String key(PtqRow r) {
        return key(r.ptqFormat(), r.bits(), r.algorithm());
    }

    /**
     * Round to nearest: int per output channel and in groups of {@code group} at 3..8 bits, and the fp formats at 4,
     * 6, 8 bits; then GPTQ on the same int formats (GPTQ rounds to an integer grid, so not the fp formats). (Groups
     * of 128 need rows of at least 128 weights: the lab's widths are 16..128, so its grids name a smaller group.)
     */
    public static List<Ptq> standard(int group) {
        List<Ptq> out = new ArrayList<>();
        for (int b = 3; b <= 8; b++) out.add(new Ptq("int-channel", b, Formats.intN(b), "rtn"));
        for (int b = 3; b <= 8; b++) out.add(new Ptq("int-g" + group, b, Formats.intN(b).groups(group), "rtn"));
        out.add(new Ptq("fp", 4, Formats.fp4e2m1(), "rtn"));
        out.add(new Ptq("fp", 6, Formats.fp6e2m3(), "rtn"));
        out.add(new Ptq("fp", 8, Formats.fp8e4m3(), "rtn"));
        for (Ptq q : List.copyOf(out))
            if (!q.family().equals("fp")) out.add(new Ptq(q.family(), q.bits(), q.format(), "gptq"));
        return out;
    }

    public static List<PtqRow> measure(ai.djl.Model model, LabCell cell, LabCorpus corpus, int windows, List<Ptq> ptqs) {
        return measure(model, cell, corpus, windows, ptqs, List.of());
    }

    /**
     * The rows of {@code ptqs}, in that order: those already in {@code done} (measured on this model before, so a
     * grid gains new measurements without retraining) kept as they are, the others measured against the same
     * full-precision loss.
     */
    public static List<PtqRow> measure(ai.djl.Model model, LabCell cell, LabCorpus corpus, int windows, List<Ptq> ptqs, List<PtqRow> done) {
        LabLm lm = (LabLm) model.getBlock();
        Map<String, PtqRow> have = new LinkedHashMap<>();
        for (PtqRow r : done) have.put(key(r), r);
        List<Ptq> todo = ptqs.stream().filter(q -> !have.containsKey(q.key())).toList();
        if (todo.isEmpty()) return ptqs.stream().map(q -> have.get(q.key())).toList();
        double fp = done.isEmpty() ? heldOutLoss(model, cell.context(), corpus, windows) : done.get(0).lossFp();
        Map<String, float[]> kept = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : lm.named().entrySet())
            if (LabLm.isLinear(e.getKey())) kept.put(e.getKey(), e.getValue().getArray().toFloatArray());
        Map<String, float[]> hessians = todo.stream().anyMatch(q -> q.algorithm().equals("gptq")) ? hessians(model, cell.context(), corpus, windows) : Map.of();
        try {
            for (Ptq q : todo) {
                for (Map.Entry<String, float[]> e : kept.entrySet()) {
                    NDArray a = lm.named().get(e.getKey()).getArray();
                    int rows = (int) a.getShape().get(0), cols = (int) a.getShape().get(1);
                    a.set(q.algorithm().equals("gptq")
                            ? Gptq.quantize(e.getValue(), rows, cols, hessians.get(e.getKey()), q.format(), Gptq.Options.DEFAULT).weights()
                            : Quantizer.standard().fakeQuantize(q.format(), e.getValue().clone(), rows, cols));
                }
                double lq = heldOutLoss(model, cell.context(), corpus, windows);
                have.put(q.key(), new PtqRow(cell.size().nonEmbeddingParams(), cell.trainedTokens(), cell.precision().name(), q.family(), q.bits(),
                        q.algorithm(), cell.seed(), fp, lq));
            }
        } finally {
            for (Map.Entry<String, float[]> e : kept.entrySet()) lm.named().get(e.getKey()).getArray().set(e.getValue());
        }
        return ptqs.stream().map(q -> have.get(q.key())).toList();
    }

    /**
     * GPTQ's Hessian (2/n · XᵀX) of each attention and MLP matrix, by GGUF weight name, from the inputs the model
     * hands them on {@code windows} windows of {@code context} tokens evenly spaced over the training stream.
     */
    static Map<String, float[]> hessians(ai.djl.Model model, int context, LabCorpus corpus, int windows) {
        LabLm lm = (LabLm) model.getBlock();
        Set<String> wanted = new LinkedHashSet<>();
        for (String name : lm.named().keySet())
            if (LabLm.isLinear(name)) wanted.add(name.substring(0, name.length() - ".weight".length()));
        long span = corpus.train().length - context;
        if (span < windows) throw new IllegalArgumentException("training split of " + corpus.train().length + " bytes is too short for " + windows + " calibration windows");
        Map<String, LayerStats> stats = new LinkedHashMap<>();
        ParameterStore ps = new ParameterStore(model.getNDManager(), false);
        int batch = 32;
        for (int w0 = 0; w0 < windows; w0 += batch) {
            int b = Math.min(batch, windows - w0);
            long[][] x = new long[b][context];
            for (int r = 0; r < b; r++) {
                long off = (w0 + r) * span / windows;
                for (int k = 0; k < context; k++) x[r][k] = corpus.trainToken(off + k);
            }
            try (NDManager bm = model.getNDManager().newSubManager()) {
                InputCapture capture = new InputCapture(wanted, (names, a) -> {
                    // layers that read one input (query, key, value) share one set of statistics
                    int d = (int) a.getShape().tail();
                    float[] rows = a.toFloatArray();
                    LayerStats shared = stats.computeIfAbsent(names.get(0), k -> new LayerStats(d, true));
                    shared.add(rows, rows.length / d);
                    for (String n : names) stats.putIfAbsent(n, shared);
                });
                lm.capture(ps, bm.create(x), capture);
                if (!capture.complete()) throw new IllegalStateException("the lab model never offered the inputs of " + capture.missing());
            }
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        Map<LayerStats, float[]> once = new java.util.IdentityHashMap<>();
        for (var e : stats.entrySet()) out.put(e.getKey() + ".weight", once.computeIfAbsent(e.getValue(), LayerStats::hessian));
        return out;
    }

    /** Mean cross-entropy (nats per byte) over the fixed held-out windows, next-token targets at every position. */
    public static double heldOutLoss(ai.djl.Model model, int context, LabCorpus corpus, int windows) {
        long span = corpus.heldOut().length - context - 1L;
        if (span < windows) throw new IllegalArgumentException("held-out split of " + corpus.heldOut().length + " bytes is too short for " + windows + " windows");
        Loss loss = Loss.softmaxCrossEntropyLoss();
        ParameterStore ps = new ParameterStore(model.getNDManager(), false);
        double sum = 0;
        int counted = 0, batch = 32;
        for (int w0 = 0; w0 < windows; w0 += batch) {
            int b = Math.min(batch, windows - w0);
            long[][] x = new long[b][context];
            float[] y = new float[b * context];
            for (int r = 0; r < b; r++) {
                long off = (w0 + r) * span / windows;
                for (int k = 0; k < context; k++) {
                    x[r][k] = corpus.heldOutToken(off + k);
                    y[r * context + k] = corpus.heldOutToken(off + k + 1);
                }
            }
            try (NDManager bm = model.getNDManager().newSubManager()) {
                NDArray logits = model.getBlock().forward(ps, new NDList(bm.create(x)), false).singletonOrThrow();
                NDArray l = loss.evaluate(new NDList(bm.create(y)), new NDList(logits.reshape(-1, LabSize.VOCAB)));
                sum += l.getFloat() * b;
                counted += b;
            }
        }
        return sum / counted;
    }
}
