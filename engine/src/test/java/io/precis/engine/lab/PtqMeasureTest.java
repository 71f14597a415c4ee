package io.precis.engine.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.precis.engine.algo.Gptq;
import io.precis.engine.format.Formats;
import io.precis.engine.quant.Quantizer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * GPTQ in the lab's PTQ measurement, on a real (untrained, seeded) lab model and a synthetic byte stream: the
 * captured Hessian of the first query projection equals one computed here from the token table and the RMSNorm
 * (not through the block's forward pass), GPTQ's layer output error is below round to nearest's on every matrix,
 * and rows measured before are kept while only the missing ones are measured.
 */
class PtqMeasureTest {
    private static final LabSize SIZE = LabSize.of(32, 2, 2);
    private static final int CONTEXT = 16, WINDOWS = 8;

    private static LabCorpus corpus() {
        Random r = new Random(7);
        byte[] train = new byte[20_000], val = new byte[4_000];
        // a skewed byte distribution (as text has), so that the Hessian's diagonal is far from flat
        for (int i = 0; i < train.length; i++) train[i] = (byte) (97 + (int) Math.abs(r.nextGaussian() * 6));
        for (int i = 0; i < val.length; i++) val[i] = (byte) (97 + (int) Math.abs(r.nextGaussian() * 6));
        return new LabCorpus(train, val);
    }

    private static ai.djl.Model model(LabCell cell) {
        ai.djl.Model m = LabTrainer.newModel(cell);
        m.getBlock().initialize(m.getNDManager(), DataType.FLOAT32, new Shape(cell.batch(), cell.context()));
        return m;
    }

    private static LabCell cell() {
        return new LabCell(SIZE, 4L * CONTEXT * 4, TrainPrecision.FP32, 3, CONTEXT, 4, 1e-2f);
    }

    @Test
    void capturedHessianIsTheNormalizedEmbeddingsGram() {
        LabCorpus corpus = corpus();
        LabCell cell = cell();
        try (ai.djl.Model m = model(cell)) {
            LabLm lm = (LabLm) m.getBlock();
            Map<String, float[]> h = PtqMeasure.hessians(m, CONTEXT, corpus, WINDOWS);
            assertEquals(lm.named().keySet().stream().filter(LabLm::isLinear).toList(), List.copyOf(h.keySet()));

            int w = SIZE.width();
            float[] table = lm.named().get("token_embd.weight").getArray().toFloatArray();
            float[] gamma = lm.named().get("blk.0.attn_norm.weight").getArray().toFloatArray();
            double[] gram = new double[w * w];
            long span = corpus.train().length - CONTEXT;
            int n = 0;
            for (int k = 0; k < WINDOWS; k++) {
                long off = k * span / WINDOWS;
                for (int t = 0; t < CONTEXT; t++) {
                    int tok = corpus.trainToken(off + t);
                    double ms = 0;
                    for (int j = 0; j < w; j++) ms += (double) table[tok * w + j] * table[tok * w + j];
                    double inv = 1 / Math.sqrt(ms / w + 1e-5);
                    double[] x = new double[w];
                    for (int j = 0; j < w; j++) x[j] = table[tok * w + j] * inv * gamma[j];
                    for (int i = 0; i < w; i++) for (int j = 0; j < w; j++) gram[i * w + j] += x[i] * x[j];
                    n++;
                }
            }
            float[] q = h.get("blk.0.attn_q.weight");
            double max = 0, err = 0;
            for (int i = 0; i < w * w; i++) {
                double want = 2.0 / n * gram[i];
                max = Math.max(max, Math.abs(want));
                err = Math.max(err, Math.abs(want - q[i]));
            }
            assertTrue(err <= 1e-4 * max, "captured vs recomputed Hessian: max error " + err + " of " + max);
            // query, key and value read one input, so one Hessian
            assertTrue(java.util.Arrays.equals(q, h.get("blk.0.attn_v.weight")));
        }
    }

    @Test
    void gptqLowersEveryLayersOutputErrorBelowRoundToNearest() {
        LabCell cell = cell();
        try (ai.djl.Model m = model(cell)) {
            LabLm lm = (LabLm) m.getBlock();
            Map<String, float[]> h = PtqMeasure.hessians(m, CONTEXT, corpus(), WINDOWS);
            for (var e : h.entrySet()) {
                float[] w = lm.named().get(e.getKey()).getArray().toFloatArray();
                long[] s = lm.named().get(e.getKey()).getArray().getShape().getShape();
                int rows = (int) s[0], cols = (int) s[1];
                for (int bits : new int[] {3, 4}) {
                    float[] rtn = Quantizer.standard().fakeQuantize(Formats.intN(bits), w.clone(), rows, cols);
                    float[] gptq = Gptq.quantize(w, rows, cols, e.getValue(), Formats.intN(bits), Gptq.Options.DEFAULT).weights();
                    double er = Gptq.relativeOutputError(w, rtn, rows, cols, e.getValue());
                    double eg = Gptq.relativeOutputError(w, gptq, rows, cols, e.getValue());
                    assertTrue(eg < er, e.getKey() + " int" + bits + ": GPTQ " + eg + " vs RTN " + er);
                }
            }
        }
    }

    @Test
    void rowsMeasuredBeforeAreKeptAndOnlyTheMissingAreMeasured() {
        LabCorpus corpus = corpus();
        LabCell cell = cell();
        List<PtqMeasure.Ptq> ptqs = PtqMeasure.standard(16);
        assertEquals(27, ptqs.size());
        assertEquals(12, ptqs.stream().filter(q -> q.algorithm().equals("gptq")).count());
        try (ai.djl.Model m = model(cell)) {
            List<PtqRow> all = PtqMeasure.measure(m, cell, corpus, WINDOWS, ptqs);
            assertEquals(27, all.size());
            for (int i = 0; i < ptqs.size(); i++) assertEquals(PtqMeasure.key(all.get(i)), ptqs.get(i).key());
            // an earlier measurement with its RTN rows only, one of them marked: kept as it was, GPTQ's measured again
            List<PtqRow> rtn = new java.util.ArrayList<>(all.stream().filter(r -> r.algorithm().equals("rtn")).toList());
            PtqRow first = rtn.get(0);
            rtn.set(0, new PtqRow(first.n(), first.d(), first.trainPrecision(), first.ptqFormat(), first.bits(), "rtn", first.seed(), first.lossFp(), 99));
            List<PtqRow> again = PtqMeasure.measure(m, cell, corpus, WINDOWS, ptqs, rtn);
            assertEquals(99, again.get(0).lossQ());
            assertEquals(all.subList(1, all.size()).stream().map(PtqTable::format).toList(),
                    again.subList(1, again.size()).stream().map(PtqTable::format).toList(), "same model, same numbers");
            // the weights are back as they were after every measurement
            assertEquals(all.get(0).lossFp(), PtqMeasure.heldOutLoss(m, CONTEXT, corpus, WINDOWS), 1e-6);
        }
    }
}
