package io.precis.engine.lab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.quant.Quantizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures δ_PTQ of a trained lab model: the held-out loss with the latent weights, then with the attention and
 * MLP matrices fake-quantized by each {@link Ptq} (round to nearest), restored after each. The held-out windows
 * are fixed: {@code windows} windows of the cell's context, evenly spaced over the held-out stream.
 */
public final class PtqMeasure {
    private PtqMeasure() {}

    /** One post-training quantization: a family name for the table, its bits, the engine format. */
    public record Ptq(String family, int bits, Format format) {}

    /**
     * int per output channel and in groups of {@code group} at 3..8 bits, and the fp formats at 4, 6, 8 bits. (Groups
     * of 128 need rows of at least 128 weights: the lab's widths are 16..128, so its grids name a smaller group.)
     */
    public static List<Ptq> standard(int group) {
        List<Ptq> out = new ArrayList<>();
        for (int b = 3; b <= 8; b++) out.add(new Ptq("int-channel", b, Formats.intN(b)));
        for (int b = 3; b <= 8; b++) out.add(new Ptq("int-g" + group, b, Formats.intN(b).groups(group)));
        out.add(new Ptq("fp", 4, Formats.fp4e2m1()));
        out.add(new Ptq("fp", 6, Formats.fp6e2m3()));
        out.add(new Ptq("fp", 8, Formats.fp8e4m3()));
        return out;
    }

    public static List<PtqRow> measure(ai.djl.Model model, LabCell cell, LabCorpus corpus, int windows, List<Ptq> ptqs) {
        LabLm lm = (LabLm) model.getBlock();
        double fp = heldOutLoss(model, cell.context(), corpus, windows);
        Map<String, float[]> kept = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : lm.named().entrySet())
            if (LabLm.isLinear(e.getKey())) kept.put(e.getKey(), e.getValue().getArray().toFloatArray());
        List<PtqRow> rows = new ArrayList<>();
        try {
            for (Ptq q : ptqs) {
                for (Map.Entry<String, float[]> e : kept.entrySet()) {
                    NDArray a = lm.named().get(e.getKey()).getArray();
                    long[] s = a.getShape().getShape();
                    a.set(Quantizer.standard().fakeQuantize(q.format(), e.getValue().clone(), (int) s[0], (int) s[1]));
                }
                double lq = heldOutLoss(model, cell.context(), corpus, windows);
                rows.add(new PtqRow(cell.size().nonEmbeddingParams(), cell.trainedTokens(), cell.precision().name(), q.family(), q.bits(),
                        "rtn", cell.seed(), fp, lq));
            }
        } finally {
            for (Map.Entry<String, float[]> e : kept.entrySet()) lm.named().get(e.getKey()).getArray().set(e.getValue());
        }
        return rows;
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
