package io.precis.engine.calib;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.engine.algo.QuantAlgorithm;
import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.PlanEvaluation;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.data.Split;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.io.AtomicFiles;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.plan.LayerPattern;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import io.precis.engine.plan.Rule;
import io.precis.engine.plan.SensitivityLookup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The held-out comparison on SmolLM2-135M (GGUF, run by Precis's forward pass): the text is cut into a seeded
 * calibration slice and the rest (disjoint), the chosen blocks' linear layers are quantized by RTN, GPTQ and AWQ
 * at each format, and each plan's perplexity is measured on evaluation windows of the rest. Also the memory the
 * calibration statistics hold: stated (d² floats per distinct input) and measured (heap retained by them).
 */
final class SmolLmAlgorithms {

    record Row(String format, String algorithm, double perplexity, double kl, String detail) {}

    record Result(Calibration.Samples samples, double fullPrecision, List<Row> rows, int layers, long statsBytes, long statsHeapMeasured,
                  double seconds) {
        double perplexity(String format, String algorithm) {
            return rows.stream().filter(r -> r.format.equals(format) && r.algorithm.equals(algorithm)).findFirst().orElseThrow().perplexity;
        }
    }

    private SmolLmAlgorithms() {}

    static Plan plan(Model m, String pattern, Format f, QuantAlgorithm a) {
        return Planner.resolve(m.name(), m.layers(), List.of(Rule.quantize(a.name(), List.of(LayerPattern.glob(pattern)), f).using(a)),
                SensitivityLookup.NONE);
    }

    /**
     * @param calibrationChars characters of the text that calibrate (a seeded slice; the rest evaluates)
     * @param evalWindows      evaluation windows of {@code context} tokens from the rest
     */
    static Result measure(Model m, TextCorpus text, String pattern, List<String> formats, int calibrationChars, int calibrationWindows,
                          int evalWindows, long seed) {
        long t0 = System.nanoTime();
        Split<TextCorpus> split = io.precis.engine.data.Datasets.split(text, calibrationChars, seed);
        Analysis a = Analysis.of(m, split.evaluation()).samples(evalWindows).batchSize(4).cache(SensitivityCache.inMemory());
        Calibration cal = new Calibration(split.calibration(), calibrationWindows, seed, 4, false);
        List<Row> rows = new ArrayList<>();
        Calibration.Samples samples = null;
        double fp = Double.NaN;
        int layers = 0;
        for (String fs : formats) {
            Format f = Formats.parse(fs);
            for (String alg : List.of("rtn", "gptq", "awq")) {
                QuantAlgorithm q = QuantAlgorithm.of(alg);
                Plan p = plan(m, pattern, f, q);
                layers = p.quantized().size();
                PlanEvaluation e = q.needsCalibration() ? a.evaluate(p, cal) : a.evaluate(p);
                if (e.samples() != null) samples = e.samples();
                fp = e.baseline().get(Metric.PERPLEXITY);
                rows.add(new Row(fs, alg, e.evaluation().get(Metric.PERPLEXITY), e.evaluation().get(Metric.KL), e.calibration()));
                System.out.printf(Locale.ROOT, "smollm2 %s %s: perplexity %.4f (fp %.4f) after %.0f s; %s%n", fs, alg, rows.getLast().perplexity(),
                        fp, (System.nanoTime() - t0) / 1e9, e.calibration());
            }
        }
        // the statistics one full-precision capture holds: stated, and the heap they retain, measured
        List<LayerRef> linear = plan(m, pattern, Formats.parse(formats.get(0)), QuantAlgorithm.RTN).quantized().stream()
                .map(l -> m.layer(l.name())).toList();
        List<ModelInput> one = cal.inputs(m).subList(0, 1);
        long before = usedAfterGc();
        var stats = Calibration.capture(m, one, linear, true, null);
        long after = usedAfterGc();
        long stated = Calibration.bytes(stats);
        if (stats.isEmpty()) throw new IllegalStateException();
        return new Result(samples, fp, rows, layers, stated, after - before, (System.nanoTime() - t0) / 1e9);
    }

    private static long usedAfterGc() {
        Runtime r = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) System.gc();
        return r.totalMemory() - r.freeMemory();
    }

    static void write(Result r, String pattern, int context, Path out) {
        ObjectMapper om = new ObjectMapper();
        ObjectNode n = om.createObjectNode();
        n.put("model", "SmolLM2-135M-Instruct.Q4_1.gguf").put("layers", pattern).put("linear_layers", r.layers()).put("context", context)
                .put("samples", r.samples().text()).put("overlap", r.samples().overlap())
                .put("perplexity_full_precision", r.fullPrecision())
                .put("calibration_statistics_bytes_stated", r.statsBytes()).put("calibration_statistics_heap_bytes_measured", r.statsHeapMeasured())
                .put("seconds", r.seconds());
        ArrayNode rows = n.putArray("rows");
        for (Row row : r.rows())
            rows.addObject().put("format", row.format()).put("algorithm", row.algorithm()).put("perplexity", row.perplexity())
                    .put("kl", row.kl()).put("detail", row.detail());
        try {
            AtomicFiles.writeString(out, om.writerWithDefaultPrettyPrinter().writeValueAsString(n));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
