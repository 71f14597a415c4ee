package io.precis.engine.analysis;

import io.precis.engine.bench.BenchReport;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import io.precis.engine.model.train.TrainModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code make bench-fisher}: sensitivity estimated against measured, on the committed char LM (Fisher from backward
 * passes against Δloss from one forward pass per layer and format) and on MiniLM (the calibration-Hessian proxy from
 * one capture pass against 1 − cosine, since ONNX Runtime has no backward pass): the time of each in the same run
 * (ratio = measured / estimated) and Spearman's ρ between them per format. Fresh in-memory caches, so nothing is
 * reused between the two. Usage: {@code FisherBench <out.json> <sentences.txt> <moby-dick.txt>}.
 */
public final class FisherBench {
    static final int LM_WINDOWS = 128;
    static final int SENTENCES = 64;

    private FisherBench() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        BenchReport list = new BenchReport();
        List<Format> formats = List.of(Formats.int8(), Formats.int4());

        String only = System.getProperty("bench.fisher.only", "");
        if (only.isEmpty() || only.equals("mlp")) mlp(list);
        if (only.isEmpty() || only.equals("char-lm")) charLm(list, Path.of(args[2]));
        if (only.isEmpty() || only.equals("minilm")) minilm(list, Path.of(args[1]), formats);
        list.write(out);
        System.exit(0);
    }

    /**
     * The Fashion-MNIST MLP: a sample is one image, the unit the empirical Fisher is defined over, so here its values
     * can be compared with the measured Δloss in size too (median ratio over the cells above zero).
     */
    private static void mlp(BenchReport list) throws Exception {
        java.nio.file.Path dir = io.precis.engine.data.Datasets.FASHION_MNIST;
        if (!java.nio.file.Files.isDirectory(dir)) {
            System.out.println("mlp entry skipped: no Fashion-MNIST (make models-data)");
            return;
        }
        io.precis.engine.data.ImageSet test = Datasets.fashionMnist(dir, "test");
        try (Model mlp = Models.load(TestFiles.models("trained/fashion-mlp-0000.params"))) {
            Analysis base = Analysis.of(mlp, test).samples(1024);
            List<LayerRef> layers = mlp.layers().stream().filter(l -> !l.weights().isEmpty() && l.weight().shape().length == 2).toList();
            List<Format> f3 = List.of(Formats.int8(), Formats.int4(), Formats.int4().perTensor());
            SensitivityComparison c = base.cache(SensitivityCache.inMemory()).compare(SensitivityMetric.FISHER, SensitivityMetric.DELTA_LOSS, layers, f3);
            list.seconds("fashion-mlp: " + layers.size() + " layers x " + f3.size() + " formats, 1024 images: Fisher (32 backward passes of "
                    + ProxySensitivity.fisherBatch(1024) + ") vs measured Δloss (one resumed forward pass per layer and format)", c.firstSeconds(), c.secondSeconds());
            list.plain("fashion-mlp: Spearman rho over all " + layers.size() * f3.size() + " cells", c.spearmanAll(), "rho");
            List<Double> ratios = new ArrayList<>();
            for (Format f : f3)
                for (LayerRef l : layers)
                    if (c.second().value(l, f) > 0) ratios.add(c.second().value(l, f) / c.first().value(l, f));
            java.util.Collections.sort(ratios);
            list.plain("fashion-mlp: median measured Δloss / Fisher estimate over the " + ratios.size() + " cells above zero",
                    ratios.get(ratios.size() / 2), "x");
            System.out.println(c.toText());
        }
    }

    private static void charLm(BenchReport list, Path mobyDick) throws Exception {
        String all = Datasets.text(mobyDick).text();
        TextCorpus heldOut = new TextCorpus("moby-dick held-out", all.substring((int) (all.length() * (1 - TrainModels.HELD_OUT))));
        try (Model lm = Models.load(TestFiles.models("trained/char-lm-0000.params"))) {
            Analysis base = Analysis.of(lm, heldOut).samples(LM_WINDOWS);
            base.cache(SensitivityCache.inMemory()).sensitivity(List.of(lm.layer("head")), List.of(Formats.int8())); // warm-up
            // every layer with a 2-D weight: the 8 linear layers, the two tables and the head
            List<LayerRef> layers = lm.layers().stream().filter(l -> l.weights().size() == 1 && l.weight().shape().length == 2).toList();
            List<Format> lmFormats = List.of(Formats.int8(), Formats.int4(), Formats.int2());
            SensitivityComparison c = base.cache(SensitivityCache.inMemory()).compare(SensitivityMetric.FISHER, SensitivityMetric.DELTA_LOSS, layers, lmFormats);
            String what = String.format(Locale.ROOT, "char-lm: %d layers x %d formats, %d windows of 256 tokens", layers.size(), lmFormats.size(), LM_WINDOWS);
            int per = ProxySensitivity.fisherBatch(LM_WINDOWS);
            list.seconds(what + ": Fisher (" + (LM_WINDOWS + per - 1) / per + " backward passes of " + per
                    + " windows) vs measured Δloss (one resumed forward pass per layer and format)",
                    c.firstSeconds(), c.secondSeconds());
            for (Format f : lmFormats) list.plain("char-lm: Spearman rho, Fisher vs measured Δloss, " + f + " (" + layers.size() + " layers)", c.spearman(f), "rho");
            list.plain("char-lm: Spearman rho over all " + layers.size() * lmFormats.size() + " cells", c.spearmanAll(), "rho");
            List<LayerRef> linear = base.quantizableLayers();
            for (Format f : lmFormats) list.plain("char-lm: Spearman rho, the " + linear.size() + " linear layers only, " + f, rho(c, linear, f), "rho");
            List<Double> ratios = new ArrayList<>();
            for (Format f : lmFormats)
                for (LayerRef l : layers)
                    if (c.second().value(l, f) > 0) ratios.add(c.second().value(l, f) / c.first().value(l, f));
            java.util.Collections.sort(ratios);
            list.plain("char-lm: median measured Δloss / Fisher estimate over the " + ratios.size() + " cells above zero", ratios.get(ratios.size() / 2), "x");
            System.out.println(c.toText());
            // how the samples per backward pass change the estimate (1: the exact per-sample empirical Fisher)
            Evaluator ev = base.evaluator();
            for (int batch : new int[] {1, 32}) {
                long t0 = System.nanoTime();
                Evaluator e = new Evaluator(lm, heldOut, batch, ev.seed(), ev.samples());
                Map<String, double[]> fisher = ProxySensitivity.fisherDiagonal(lm, e.inputs(), e.targets(), null);
                double s = (System.nanoTime() - t0) / 1e9;
                list.seconds("char-lm: Fisher diagonal with " + batch + " windows per backward pass vs measured table", s, c.secondSeconds());
                for (Format f : lmFormats) {
                    double[] a = new double[layers.size()], b = new double[layers.size()];
                    for (int i = 0; i < layers.size(); i++) {
                        a[i] = ProxySensitivity.fisherScore(lm, fisher, layers.get(i), f);
                        b[i] = c.second().value(layers.get(i), f);
                    }
                    list.plain("char-lm: Spearman rho with " + batch + " windows per backward pass, " + f, io.precis.engine.metrics.Metrics.spearman(a, b), "rho");
                }
            }
        }

    }

    private static void minilm(BenchReport list, Path sentencesFile, List<Format> formats) throws Exception {
        SentenceSet sentences = Datasets.sentences(sentencesFile).first(SENTENCES);
        try (Model minilm = Models.loadFromMaven(TestFiles.MINILM)) {
            Analysis base = Analysis.of(minilm, sentences).samples(SENTENCES);
            base.cache(SensitivityCache.inMemory()).sensitivity(List.of(minilm.layer("encoder.layer.0.attention.self.query")), List.of(Formats.int8()));
            List<LayerRef> linear = base.quantizableLayers();
            SensitivityComparison c = base.cache(SensitivityCache.inMemory()).compare(SensitivityMetric.HESSIAN, SensitivityMetric.ONE_MINUS_COSINE, linear, formats);
            list.seconds(String.format(Locale.ROOT, "minilm: %d linear layers x %d formats, %d sentences: Hessian proxy (one capture pass) vs measured"
                    + " 1 - cosine (one resumed forward pass per layer and format)", linear.size(), formats.size(), SENTENCES), c.firstSeconds(), c.secondSeconds());
            for (Format f : formats) list.plain("minilm: Spearman rho, Hessian proxy vs measured 1 - cosine, " + f + " (" + linear.size() + " layers)", c.spearman(f), "rho");
            list.plain("minilm: Spearman rho over all " + linear.size() * formats.size() + " cells", c.spearmanAll(), "rho");
            // the same statistics, each layer's output error relative to its output energy (a layer-output noise ratio)
            Map<String, io.precis.engine.calib.LayerStats> stats = ProxySensitivity.lastHessianStats();
            for (Format f : formats) {
                double[] a = new double[linear.size()], b = new double[linear.size()];
                for (int i = 0; i < linear.size(); i++) {
                    LayerRef l = linear.get(i);
                    a[i] = c.first().value(l, f) / ProxySensitivity.hessianSignal(minilm, stats.get(l.name()), l);
                    b[i] = c.second().value(l, f);
                }
                list.plain("minilm: Spearman rho, relative Hessian proxy (output error / output energy) vs measured 1 - cosine, " + f,
                        io.precis.engine.metrics.Metrics.spearman(a, b), "rho");
            }
            System.out.println(c.toText());
        }
    }

    private static double rho(SensitivityComparison c, List<LayerRef> layers, Format f) {
        List<Double> a = new ArrayList<>(), b = new ArrayList<>();
        for (LayerRef l : layers) {
            a.add(c.first().value(l, f));
            b.add(c.second().value(l, f));
        }
        return io.precis.engine.metrics.Metrics.spearman(a.stream().mapToDouble(Double::doubleValue).toArray(),
                b.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
