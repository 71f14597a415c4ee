package io.precis.engine.calib;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.engine.algo.QuantAlgorithm;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.Split;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.io.AtomicFiles;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.plan.LayerPattern;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import io.precis.engine.plan.Rule;
import io.precis.engine.plan.SensitivityLookup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The held-out comparison on SmolLM2-135M (GGUF, run by Precis's own forward pass): the text is cut into a seeded
 * calibration slice and the rest (disjoint); the chosen layers' inputs are captured once on the calibration windows
 * (streamed into {@link LayerStats}), then for each format RTN, GPTQ and AWQ weights are computed from those same
 * statistics, swapped in, and the perplexity measured on evaluation windows of the rest. One capture serves every
 * algorithm and format (what {@code PlanQuantizer} computes per plan; the test checks the two agree), because a
 * forward pass is the cost on a loaded 2-core machine. Memory of the statistics: stated (d² floats per distinct
 * input) and measured (heap they retain).
 */
final class SmolLmAlgorithms {

    record Row(String format, String algorithm, double perplexity, double kl, double seconds) {}

    record Config(String pattern, List<String> formats, int context, int calibrationWindows, int evalWindows, long seed) {}

    record Result(Config config, Calibration.Samples samples, double fullPrecision, List<Row> rows, int layers, int statistics,
                  long statsBytes, long statsHeapMeasured, double captureSeconds, double seconds) {
        double perplexity(String format, String algorithm) {
            return rows.stream().filter(r -> r.format.equals(format) && r.algorithm.equals(algorithm)).findFirst().orElseThrow().perplexity;
        }
    }

    private SmolLmAlgorithms() {}

    static Plan plan(Model m, String pattern, Format f, QuantAlgorithm a) {
        return Planner.resolve(m.name(), m.layers(), List.of(Rule.quantize(a.name(), List.of(LayerPattern.glob(pattern)), f).using(a)),
                SensitivityLookup.NONE);
    }

    /** The calibration slice (about 4.6 characters a token leaves room for the windows) and the rest. */
    static Split<TextCorpus> split(TextCorpus text, Config c) {
        return Datasets.split(text, (int) (c.calibrationWindows() * c.context() * 4.6), c.seed());
    }

    static Calibration calibration(Split<TextCorpus> split, Config c) {
        return new Calibration(split.calibration(), c.calibrationWindows(), c.seed(), 4, false);
    }

    static Result measure(Model m, TextCorpus text, Config c) {
        long t0 = System.nanoTime();
        Split<TextCorpus> split = split(text, c);
        Calibration cal = calibration(split, c);
        List<ModelInput> calIn = cal.inputs(m);
        Evaluator ev = new Evaluator(m, split.evaluation(), 4, c.seed(), c.evalWindows());
        Calibration.Samples samples = Calibration.Samples.of(cal.data(), calIn, ev.data(), ev.inputs());
        List<LayerRef> layers = plan(m, c.pattern(), Formats.parse(c.formats().get(0)), QuantAlgorithm.RTN).quantized().stream()
                .map(l -> m.layer(l.name())).toList();

        long before = usedAfterGc();
        long tc = System.nanoTime();
        Map<String, LayerStats> stats = Calibration.capture(m, calIn, layers, true, null);
        double captureSeconds = (System.nanoTime() - tc) / 1e9;
        long retained = usedAfterGc() - before;
        java.util.Set<LayerStats> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        seen.addAll(stats.values());
        int distinct = seen.size();

        Evaluation fp = ev.evaluate();
        List<Row> rows = new ArrayList<>();
        for (String fs : c.formats()) {
            Format f = Formats.parse(fs);
            for (String alg : List.of("rtn", "gptq", "awq")) {
                long ta = System.nanoTime();
                QuantAlgorithm q = QuantAlgorithm.of(alg);
                try {
                    if (!q.needsCalibration()) m.swap(layers, WeightTransform.fakeQuantize(f));
                    else
                        for (LayerRef l : layers) {
                            int out = Math.toIntExact(l.weight().shape()[0]), in = Math.toIntExact(l.weight().shape()[1]);
                            float[] w = q.quantize(m.fullPrecisionWeights(l.weight()), out, in, f, stats.get(l.name()));
                            m.swap(l, WeightTransform.of(fs + " " + alg, v -> v.write(w)));
                        }
                    Evaluation e = ev.evaluate();
                    rows.add(new Row(fs, alg, e.get(Metric.PERPLEXITY), e.get(Metric.KL), (System.nanoTime() - ta) / 1e9));
                } finally {
                    m.restoreAll();
                }
                System.out.printf(Locale.ROOT, "smollm2 %s, %s: perplexity %.4f (full precision %.4f), KL %.5f, %.0f s%n", fs, alg,
                        rows.getLast().perplexity(), fp.get(Metric.PERPLEXITY), rows.getLast().kl(), rows.getLast().seconds());
            }
        }
        return new Result(c, samples, fp.get(Metric.PERPLEXITY), rows, layers.size(), distinct, Calibration.bytes(stats), retained,
                captureSeconds, (System.nanoTime() - t0) / 1e9);
    }

    private static long usedAfterGc() {
        Runtime r = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) System.gc();
        return r.totalMemory() - r.freeMemory();
    }

    static void write(Result r, Path out) {
        ObjectMapper om = new ObjectMapper();
        ObjectNode n = om.createObjectNode();
        Config c = r.config();
        n.put("model", "SmolLM2-135M-Instruct.Q4_1.gguf").put("layers", c.pattern()).put("linear_layers", r.layers())
                .put("context", c.context()).put("calibration_windows", c.calibrationWindows()).put("evaluation_windows", c.evalWindows())
                .put("seed", c.seed()).put("samples", r.samples().text()).put("overlap", r.samples().overlap())
                .put("perplexity_full_precision", r.fullPrecision()).put("distinct_inputs", r.statistics())
                .put("calibration_statistics_bytes_stated", r.statsBytes()).put("calibration_statistics_heap_bytes_measured", r.statsHeapMeasured())
                .put("capture_seconds", r.captureSeconds()).put("seconds", r.seconds());
        ArrayNode rows = n.putArray("rows");
        for (Row row : r.rows())
            rows.addObject().put("format", row.format()).put("algorithm", row.algorithm()).put("perplexity", row.perplexity())
                    .put("kl", row.kl()).put("seconds", row.seconds());
        try {
            if (out.getParent() != null) java.nio.file.Files.createDirectories(out.getParent());
            AtomicFiles.writeString(out, om.writerWithDefaultPrettyPrinter().writeValueAsString(n));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
