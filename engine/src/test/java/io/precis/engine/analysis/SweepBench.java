package io.precis.engine.analysis;

import io.precis.engine.bench.BenchReport;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import io.precis.engine.model.WeightTransform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code make bench-sweep}: per-layer sensitivity of MiniLM's 36 linear layers x 3 formats (108 configurations)
 * on a fixed set of 32 sentences, as {@link Analysis} runs it (weights swapped in place and restored, the
 * full-precision outputs computed once, each pass resumed at the graph cut before the changed layer), against the naive way measured in the same run: load the model again
 * from its jar and run the full forward pass for every configuration. The naive way is timed on 6
 * configurations and extrapolated to 108 (said in the entry's name); its scores are checked equal to ours.
 * Also: the char-level LM with and without prefix reuse, and how fast an interrupt stops a table.
 * Usage: {@code SweepBench <out.json> <sentences.txt> [moby-dick.txt]}. {@code ratio = reference / value} for times.
 */
public final class SweepBench {
    static final int SENTENCES = 32;
    static final int NAIVE_SAMPLE = 6;

    private SweepBench() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        SentenceSet sentences = Datasets.sentences(Path.of(args[1])).first(SENTENCES);
        BenchReport list = new BenchReport();
        List<Format> formats = List.of(Formats.int8(), Formats.int4(), Formats.mxfp4());

        long t0 = System.nanoTime();
        Model model = Models.loadFromMaven(TestFiles.MINILM);
        double load = seconds(t0);
        List<LayerRef> linear = Analysis.of(model, sentences).quantizableLayers();
        int configs = linear.size() * formats.size();

        // ours: one analysis, everything reused
        Analysis a = Analysis.of(model, sentences).samples(SENTENCES).cache(SensitivityCache.inMemory())
                .progress(s -> { if (s.done() % 27 == 0 && s.done() > 0) System.out.println("  " + s); });
        t0 = System.nanoTime();
        SensitivityTable table = a.sensitivity(linear, formats);
        double ours = seconds(t0);

        // naive: the reference outputs once, then per configuration a fresh model from the jar and a full forward pass
        List<ModelInput> inputs = a.evaluator().inputs();
        t0 = System.nanoTime();
        float[][] reference;
        try (Model fresh = Models.loadFromMaven(TestFiles.MINILM)) {
            reference = outputs(fresh, inputs);
        }
        double naiveReference = seconds(t0);
        double naiveSum = 0, maxDiff = 0;
        for (int i = 0; i < NAIVE_SAMPLE; i++) {
            LayerRef l = linear.get(i * (linear.size() - 1) / (NAIVE_SAMPLE - 1));
            Format f = formats.get(i % formats.size());
            long t = System.nanoTime();
            double v;
            try (Model fresh = Models.loadFromMaven(TestFiles.MINILM)) {
                fresh.swap(fresh.layer(l.name()), WeightTransform.fakeQuantize(f));
                float[][] o = outputs(fresh, inputs);
                v = OutputMetrics.oneMinusCosine(o, reference, o[0].length);
            }
            naiveSum += seconds(t);
            maxDiff = Math.max(maxDiff, Math.abs(v - table.value(l, f)) / Math.max(1e-30, Math.abs(v)));
        }
        if (maxDiff > 1e-6) throw new AssertionError("naive and reused scores differ by " + maxDiff + " (relative)");
        double naivePer = naiveSum / NAIVE_SAMPLE;
        double naiveTotal = naiveReference + configs * naivePer;
        String what = "minilm: sensitivity of " + linear.size() + " linear layers x " + formats.size() + " formats (" + configs
                + " configurations, " + SENTENCES + " sentences)";
        list.add("minilm: load from the Maven jar", load, "s", null);
        list.add(what + ", reuse (swap in place, cached full-precision outputs, passes resumed at graph cuts) vs naive reload + full forward per configuration "
                + "(naive timed on " + NAIVE_SAMPLE + " configurations, extrapolated to " + configs + ")", ours, "s", naiveTotal);
        list.add("minilm: per configuration, reuse vs naive (" + NAIVE_SAMPLE + " configurations timed)", ours / configs, "s", naivePer);
        // the same table without resumed passes, to show what the graph cuts add
        double unresumed = time(() -> a.prefixReuse(false).cache(SensitivityCache.inMemory()).sensitivity(linear, formats));
        list.add("minilm: the same table, passes resumed at graph cuts vs full passes (both swap in place)", ours, "s", unresumed);
        list.add("minilm: largest relative score difference naive vs reuse (1 - cosine)", maxDiff, "relative", null);

        // prefix reuse on a staged model (the char LM built in Java): same scores, less work
        if (args.length > 2 && Files.isRegularFile(Path.of(args[2]))) {
            String all = Datasets.text(Path.of(args[2])).text();
            TextCorpus text = new TextCorpus("moby-dick held-out", all.substring((int) (all.length() * 0.9)));
            try (Model lm = Models.load(TestFiles.models("trained/char-lm-0000.params"))) {
                List<Format> lmFormats = List.of(Formats.int8(), Formats.int4(), Formats.int2());
                Analysis base = Analysis.of(lm, text).samples(128).cache(SensitivityCache.inMemory());
                base.sensitivity(List.of(lm.layer("blocks.0.attn.qkv")), List.of(Formats.int8())); // warm-up and reference outputs
                double full = time(() -> base.prefixReuse(false).cache(SensitivityCache.inMemory()).sensitivity(lmFormats));
                double resumed = time(() -> base.prefixReuse(true).cache(SensitivityCache.inMemory()).sensitivity(lmFormats));
                list.add("char-lm: sensitivity of 8 linear layers x 3 formats (128 windows), prefix reuse vs full forward passes", resumed, "s", full);
            }
        } else {
            System.out.println("char-lm entry skipped: no Moby Dick text (make models-data)");
        }

        // interrupt: how long from Thread.interrupt() to the exception, with the weights restored
        AtomicLong interruptedAt = new AtomicLong();
        CountDownLatch third = new CountDownLatch(1);
        double[] latency = new double[1];
        String[] restored = new String[1];
        String original = model.weightsHash();
        Analysis slow = Analysis.of(model, Datasets.sentences(Path.of(args[1]))).samples(128).cache(SensitivityCache.inMemory())
                .progress(s -> { if (s.done() == 3) third.countDown(); });
        Thread worker = new Thread(() -> {
            try {
                slow.sensitivity(linear, formats);
            } catch (AnalysisInterruptedException e) {
                latency[0] = (System.nanoTime() - interruptedAt.get()) / 1e9;
                restored[0] = model.weightsHash();
            }
        });
        worker.start();
        third.await();
        Thread.sleep(150); // into the next evaluation's batches
        interruptedAt.set(System.nanoTime());
        worker.interrupt();
        worker.join();
        if (!original.equals(restored[0])) throw new AssertionError("interrupt left the weights changed");
        list.add("minilm: interrupt to stop, mid-evaluation of 128 sentences (weights restored)", latency[0], "s", 1.0);
        model.close();

        list.write(out);
        System.exit(0);
    }

    private static float[][] outputs(Model m, List<ModelInput> inputs) {
        List<float[]> rows = new ArrayList<>();
        for (ModelInput in : inputs) {
            float[] v = m.forward(in).values();
            int per = v.length / in.size();
            for (int i = 0; i < in.size(); i++) rows.add(Arrays.copyOfRange(v, i * per, (i + 1) * per));
        }
        return rows.toArray(float[][]::new);
    }

    private static double time(Runnable r) {
        long t = System.nanoTime();
        r.run();
        return seconds(t);
    }


    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
