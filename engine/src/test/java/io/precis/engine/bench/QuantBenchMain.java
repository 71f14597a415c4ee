package io.precis.engine.bench;

import io.precis.engine.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code make bench-quant}: runs {@link QuantBench} (one fork, short iterations) and writes a JSON list of
 * {@code {name, value, unit, reference, ratio, error, target}} (GB/s of tensor processed; ratios against
 * System.arraycopy and against DJL NDArray ops measured in the same run) to the path in args[0].
 */
public final class QuantBenchMain {

    private QuantBenchMain() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "target/bench/quant.json");
        Options options = new OptionsBuilder()
                .include(QuantBench.class.getName() + ".")
                .forks(1)
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(1))
                .threads(1)
                .jvmArgsAppend("--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx6g", "-Dai.djl.offline=true")
                .build();
        Map<String, double[]> gbs = new LinkedHashMap<>();
        for (RunResult r : new Runner(options).run()) {
            String method = r.getParams().getBenchmark();
            method = method.substring(method.lastIndexOf('.') + 1);
            var score = r.getPrimaryResult();
            double scale = QuantBench.BYTES / 1e9;     // operations per second -> GB/s
            double error = Double.isNaN(score.getScoreError()) ? 0 : score.getScoreError() * scale;
            gbs.put(method, new double[] {score.getScore() * scale, error});
        }

        double copy = gbs.get("systemArraycopy")[0];
        double djl = gbs.get("djlNdarrayInt4G128")[0];
        List<Map<String, Object>> entries = new ArrayList<>();
        entries.add(entry("system_arraycopy", gbs.get("systemArraycopy"), null, null, null));
        entries.add(entry("djl_ndarray_int4_g128", gbs.get("djlNdarrayInt4G128"), null, null, null));
        String[][] ours = {
            {"int8_per_channel", "int8PerChannel", "0.9"},
            {"int4_g128_sym", "int4G128Sym", "0.9"},
            {"int4_g128_asym", "int4G128Asym", "0.9"},
            {"fp8_e4m3_per_tensor", "fp8E4m3PerTensor", "0.9"},
            {"mxfp4", "mxfp4", null},
            {"nf4_g64", "nf4G64", null},
            {"int4_g128_sym_direct_buffer", "int4G128SymDirectBuffer", null},
        };
        for (String[] o : ours) {
            double[] v = gbs.get(o[1]);
            entries.add(entry(o[0], v, "system_arraycopy", v[0] / copy, o[2] == null ? null : Double.valueOf(o[2])));
        }
        for (String[] o : new String[][] {{"int4_g128_sym_vs_djl", "int4G128Sym"},
                {"int4_g128_sym_direct_buffer_vs_djl", "int4G128SymDirectBuffer"}}) {
            double[] v = gbs.get(o[1]);
            entries.add(entry(o[0], v, "djl_ndarray_int4_g128", v[0] / djl, 12.0));
        }

        AtomicFiles.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(entries) + "\n");

        System.out.println();
        System.out.printf(Locale.ROOT, "%-36s %10s %8s  %-24s %7s %7s%n", "name", "GB/s", "+-", "reference", "ratio",
                "target");
        for (Map<String, Object> e : entries) {
            System.out.printf(Locale.ROOT, "%-36s %10.2f %8.2f  %-24s %7s %7s%n", e.get("name"), e.get("value"),
                    e.get("error"), e.get("reference") == null ? "-" : e.get("reference"),
                    e.get("ratio") == null ? "-" : String.format(Locale.ROOT, "%.2f", (Double) e.get("ratio")),
                    e.get("target") == null ? "-" : e.get("target"));
        }
        System.out.println("wrote " + out.toAbsolutePath());
    }

    private static Map<String, Object> entry(String name, double[] v, String reference, Double ratio, Double target) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("name", name);
        e.put("value", round(v[0]));
        e.put("unit", "GB/s");
        e.put("reference", reference);
        e.put("ratio", ratio == null ? null : round(ratio));
        e.put("error", round(v[1]));
        if (target != null) {
            e.put("target", target);
        }
        return e;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
