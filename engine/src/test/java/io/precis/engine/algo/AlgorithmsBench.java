package io.precis.engine.algo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.engine.bench.BenchReport;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import java.nio.file.Path;
import java.util.Random;

/**
 * {@code make bench-algorithms}: GPTQ on a 4096×4096 layer with 2048 calibration rows (int4 per channel, the
 * compressed-tensors grid), Hessian accumulation and solve timed apart, against llm-compressor 0.14's GPTQ on the
 * same problem size as tests/reference/make_reference.py --bench recorded it on this machine (2 torch threads).
 * Args: output JSON, reference.json.
 */
public final class AlgorithmsBench {
    public static void main(String[] args) throws Exception {
        int d = 4096, n = 2048;
        int threads = Integer.getInteger("bench.threads", 2);
        JsonNode ref = new ObjectMapper().readTree(Path.of(args[1]).toFile()).get("bench_gptq_4096");
        Random rnd = new Random(6);
        float[] z = new float[n * d];
        for (int i = 0; i < z.length; i++) z[i] = (float) rnd.nextGaussian();
        // correlated rows: each feature mixes its neighbours (the reference mixes with a dense random matrix)
        float[] x = new float[n * d];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < d; c++) x[r * d + c] = z[r * d + c] + 0.5f * z[r * d + (c + 1) % d] + 0.25f * z[r * d + (c + 7) % d];
        float[] w = new float[d * d];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rnd.nextGaussian() * 0.02);
        Format f = Formats.parse("int4 per channel grid compressed-tensors scales fp32");
        Dense dense = Dense.best();
        double hs = 0, qs = 0, best = Double.POSITIVE_INFINITY;
        Gptq.Result res = null;
        for (int rep = 0; rep < 2; rep++) {          // the first run warms the JIT up; the faster run counts
            long t0 = System.nanoTime();
            float[] g = new float[d * d];
            dense.gramUpper(g, x, n, d, threads);
            float[] h = new float[d * d];
            float k = 2f / n;
            for (int i = 0; i < d; i++) for (int j = i; j < d; j++) { h[i * d + j] = g[i * d + j] * k; h[j * d + i] = h[i * d + j]; }
            long t1 = System.nanoTime();
            res = Gptq.quantize(w, d, d, h, f, Gptq.Options.DEFAULT, dense, threads);
            long t2 = System.nanoTime();
            if ((t2 - t0) / 1e9 < best) { best = (t2 - t0) / 1e9; hs = (t1 - t0) / 1e9; qs = (t2 - t1) / 1e9; }
        }
        BenchReport report = new BenchReport();
        double refTotal = ref.get("total_seconds").asDouble();
        report.seconds("gptq 4096x4096, 2048 rows: total (Hessian + solve), vs llm-compressor 0.14 on " + ref.get("threads").asInt() + " torch threads", best, refTotal);
        report.seconds("of which Hessian XᵀX", hs, ref.get("hessian_seconds").asDouble());
        report.seconds("of which GPTQ solve (factorisation + sweep)", qs, ref.get("quantize_seconds").asDouble());
        report.plain("threads", threads, "threads");
        report.plain("vector kernels", dense instanceof ScalarDense ? 0 : 1, "bool");
        report.plain("gptq loss (sanity)", res.loss(), "");
        report.write(Path.of(args[0]));
    }
}
