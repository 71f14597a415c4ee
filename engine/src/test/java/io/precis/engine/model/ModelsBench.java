package io.precis.engine.model;

import io.precis.engine.bench.BenchReport;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Formats;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code make bench-models}: MiniLM from its Maven artefact. Load and evaluate 256 sentences at full precision;
 * swap all 36 linear layers to int8 per channel and restore, against a full model reload measured in the same
 * run. Times are medians of a few repeats; {@code ratio = reference / value} (above 1: faster than the reload).
 * Usage: {@code ModelsBench <out.json> <sentences.txt>}.
 */
public final class ModelsBench {
    private static final int REPEATS = 3;

    private ModelsBench() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        SentenceSet sentences = Datasets.sentences(Path.of(args[1])).first(256);
        BenchReport list = new BenchReport();
        WeightTransform int8 = WeightTransform.fakeQuantize(Formats.int8().perChannel());

        long t0 = System.nanoTime();
        Model model = Models.loadFromMaven(TestFiles.MINILM);
        double load = seconds(t0);
        Evaluator ev = new Evaluator(model, sentences);
        t0 = System.nanoTime();
        Evaluation full = ev.evaluate();
        double eval = seconds(t0);
        ModelInput one = oneSentence(model);

        // reference: what a tool without in-place swap does per configuration: load the model again from the jar
        double reload = median(() -> {
            long t = System.nanoTime();
            try (Model again = Models.loadFromMaven(TestFiles.MINILM)) {
                again.forward(one);
            }
            return seconds(t);
        });

        String original = model.weightsHash();
        List<LayerRef> linear = model.layers(LayerKind.LINEAR);
        double[] quantOnly = new double[REPEATS];
        double swap = median(i -> {
            long t = System.nanoTime();
            model.swap(linear, int8);
            quantOnly[i] = seconds(t);
            model.forward(one); // the other ONNX routes rebuild the session here; live buffers need nothing
            double s = seconds(t);
            model.restoreAll();
            return s;
        });
        model.swap(linear, int8);
        model.forward(one);
        Evaluation q = ev.evaluate();
        double restore = median(i -> {
            model.swap(linear, int8);
            model.forward(one);
            long t = System.nanoTime();
            model.restoreAll();
            model.forward(one);
            return seconds(t);
        });
        if (!original.equals(model.weightsHash())) throw new AssertionError("restore is not bit-exact");
        model.close();

        double swapAdd, evalPrepacked;
        try (Model adding = Models.loadFromMaven(TestFiles.MINILM, LoadOptions.defaults().onnxSwap(LoadOptions.OnnxSwap.ADD_INITIALIZER))) {
            List<LayerRef> lin = adding.layers(LayerKind.LINEAR);
            long te = System.nanoTime();
            new Evaluator(adding, sentences).evaluate();
            evalPrepacked = seconds(te);
            swapAdd = swapAndForward(adding, lin, int8, one);
        }
        double swapRewrite;
        try (Model rewriting = Models.loadFromMaven(TestFiles.MINILM, LoadOptions.defaults().onnxSwap(LoadOptions.OnnxSwap.REWRITE_PROTO))) {
            List<LayerRef> lin = rewriting.layers(LayerKind.LINEAR);
            swapRewrite = swapAndForward(rewriting, lin, int8, one);
        }

        list.add("minilm: load from Maven jar (ONNX parse + session)", load, "s", null);
        list.add("minilm: evaluate 256 sentences, full precision", eval, "s", null);
        list.add("minilm: sentences per second, full precision", 256 / eval, "sentences/s", null);
        list.add("minilm: evaluate 256 sentences, live buffers vs a pre-packed session (reference)", eval, "s", evalPrepacked);
        list.add("minilm: swap 36 linear layers to int8 per channel, live buffers (default)", swap, "s", reload);
        list.add("minilm: swap 36 linear layers to int8 per channel + session rebuild (addInitializer)", swapAdd, "s", reload);
        list.add("minilm: swap 36 linear layers to int8 per channel + session rebuild (rewrite initializers)", swapRewrite, "s", reload);
        list.add("minilm: of which fake-quantizing 22M weights", sorted(quantOnly)[REPEATS / 2], "s", null);
        list.add("minilm: restore all to full precision (bit-exact)", restore, "s", reload);
        list.add("minilm: full reload from the jar (reference)", reload, "s", reload);
        list.add("minilm: int8 per channel, mean cosine to full precision", q.get(Metric.COSINE), "cosine", full.get(Metric.COSINE));

        list.write(out);
        System.out.println("(" + model.engine() + " on " + model.device() + ")");
        System.exit(0);
    }


    /** Median time to swap the layers and run one input (where the other ONNX routes rebuild their session). */
    private static double swapAndForward(Model m, List<LayerRef> layers, WeightTransform to, ModelInput one) {
        return median(i -> {
            long t = System.nanoTime();
            m.swap(layers, to);
            m.forward(one);
            double s = seconds(t);
            m.restoreAll();
            return s;
        });
    }

    interface Run { double run(int i); }

    private static double median(Supplier<Double> s) {
        return median(i -> s.get());
    }

    private static double median(Run r) {
        double[] v = new double[REPEATS];
        for (int i = 0; i < REPEATS; i++) v[i] = r.run(i);
        return sorted(v)[REPEATS / 2];
    }

    private static double[] sorted(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static ModelInput oneSentence(Model m) {
        long[] ids = m.tokenizer().encode("Call me Ishmael.");
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1);
        return new ModelInput.Tokens(new long[][] {ids}, new long[][] {mask});
    }
}
