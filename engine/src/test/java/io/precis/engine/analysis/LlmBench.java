package io.precis.engine.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.engine.bench.BenchReport;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import io.precis.engine.model.gguf.CachedModels;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code make bench-llm}: SmolLM2-135M (its GGUF from the cache) — load time against reading the same bytes; the
 * full-precision perplexity pass over all 256-token windows of sentences.txt (tokens/s, and llama.cpp's time on
 * this machine when tests/reference recorded one); sensitivity of every linear layer at one format with prefix
 * reuse against full passes (full passes timed on a sample of layers and extrapolated, said in the name); the
 * process's peak resident memory. Usage: {@code LlmBench <out.json> <sentences.txt> <llama-cpp.json>}.
 */
public final class LlmBench {
    static final int CONTEXT = 256;
    /** The sensitivity table's data: few short windows, so 210 configurations fit a benchmark run on 2 cores. */
    static final int SENS_WINDOWS = 1, SENS_CONTEXT = 64, FULL_PASS_SAMPLE = 10;

    private LlmBench() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Path text = Path.of(args[1]);
        Path gguf = CachedModels.find(CachedModels.SMOLLM2).orElseThrow(() -> new IllegalStateException(CachedModels.missing(CachedModels.SMOLLM2)));
        BenchReport list = new BenchReport();

        // reading the bytes first also warms the page cache for the load that follows, so both read from memory
        double read = readBytes(gguf);
        read = Math.min(read, readBytes(gguf));
        long t0 = System.nanoTime();
        Model model = Models.load(gguf);
        double load = seconds(t0);
        list.seconds("smollm2: load the GGUF (parse, dequantize every tensor, build the DJL model) vs reading its "
                + Files.size(gguf) / 1_000_000 + " MB", load, read);

        // full precision over every window of 256 tokens, each scored on its own
        TextCorpus corpus = Datasets.text(text).withContext(CONTEXT);
        Evaluator ev = new Evaluator(model, corpus, 32, 0, Integer.MAX_VALUE);
        ev.inputs(); // tokenize outside the timing
        t0 = System.nanoTime();
        Evaluation fp = ev.evaluate();
        double pass = seconds(t0);
        int windows = ev.samples();
        long tokens = (long) windows * CONTEXT;
        Double llamaSeconds = llamaCpp(args.length > 2 ? Path.of(args[2]) : null);
        list.seconds("smollm2: full-precision perplexity pass, " + windows + " windows of " + CONTEXT + " tokens (" + ev.inputs().size() + " batches, logits scored per batch), vs "
                + (llamaSeconds == null ? "nothing (no llama.cpp reference recorded: tests/reference/llama_cpp_perplexity.py)"
                : "llama.cpp's time on this machine (tests/reference, 2 threads)"), pass, llamaSeconds);
        list.plain("smollm2: tokens per second in that pass", tokens / pass, "tokens/s");
        list.plain("smollm2: perplexity at full precision (Q4_1 weights) over those windows", fp.get(Metric.PERPLEXITY), "");
        list.plain("smollm2: peak resident memory of the process so far (VmHWM)", peakRssMb(), "MB");

        // a mixed GGUF for tests/reference/llama_cpp_perplexity.py: Precis's perplexity of it over the same windows,
        // measured on the re-loaded file (equal to what the swapped model predicts: GgufWriterTest, test_llm.py)
        Map<String, Format> mixed = new LinkedHashMap<>();
        for (LayerRef l : Analysis.of(model, corpus).quantizableLayers())
            mixed.put(l.name(), Formats.parse(l.name().contains(".ffn_") ? "q4_0" : "q8_0"));
        Path exported = out.resolveSibling("smollm2-mixed.gguf");
        io.precis.engine.model.gguf.GgufWriter.write(model, mixed, exported);
        double mixedPpl;
        try (Model back = Models.load(exported)) {
            mixedPpl = new Evaluator(back, corpus, 32, 0, Integer.MAX_VALUE).evaluate().get(Metric.PERPLEXITY);
        }
        var node = new ObjectMapper().createObjectNode();
        node.put("gguf", exported.toAbsolutePath().toString()).put("plan", "blk.*.ffn_* q4_0, blk.*.attn_* q8_0, the rest as stored")
                .put("context", CONTEXT).put("windows", windows).put("precis_perplexity_exported", mixedPpl)
                .put("source_gguf", gguf.toString()).put("precis_perplexity_source", fp.get(Metric.PERPLEXITY));
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolveSibling("llm-export.json").toFile(), node);
        list.plain("smollm2: perplexity of the exported mixed GGUF (ffn q4_0, attention q8_0), re-loaded", mixedPpl, "");

        // sensitivity of every linear layer at one format: resumed at the changed block vs full forward passes
        Format q40 = Formats.parse("q4_0");
        TextCorpus small = Datasets.text(text).withContext(SENS_CONTEXT);
        Analysis a = Analysis.of(model, small).samples(SENS_WINDOWS).batchSize(SENS_WINDOWS).cache(SensitivityCache.inMemory());
        List<LayerRef> linear = a.quantizableLayers();
        a.sensitivity(List.of(linear.get(linear.size() - 1)), List.of(q40)); // warm-up, reference outputs, stage inputs
        t0 = System.nanoTime();
        SensitivityTable table = a.cache(SensitivityCache.inMemory()).sensitivity(linear, List.of(q40));
        double reuse = seconds(t0);
        List<LayerRef> sample = new java.util.ArrayList<>();
        for (int i = 0; i < FULL_PASS_SAMPLE; i++) sample.add(linear.get(i * (linear.size() - 1) / (FULL_PASS_SAMPLE - 1)));
        Analysis full = a.prefixReuse(false).cache(SensitivityCache.inMemory());
        t0 = System.nanoTime();
        SensitivityTable fullTable = full.sensitivity(sample, List.of(q40));
        double fullSample = seconds(t0);
        double maxDiff = 0;
        for (LayerRef l : sample) {
            double x = table.value(l, q40), y = fullTable.value(l, q40);
            maxDiff = Math.max(maxDiff, Math.abs(x - y) / Math.max(1e-12, Math.abs(y)));
        }
        double fullTotal = fullSample / sample.size() * linear.size();
        list.seconds("smollm2: sensitivity of " + linear.size() + " linear layers at q4_0 (" + SENS_WINDOWS + " windows of " + SENS_CONTEXT
                + " tokens), passes resumed at the changed block vs full passes (full passes timed on " + sample.size()
                + " layers, extrapolated)", reuse, fullTotal);
        list.plain("smollm2: largest relative difference of Δloss, resumed vs full passes", maxDiff, "relative");
        list.plain("smollm2: peak resident memory of the process (VmHWM)", peakRssMb(), "MB");
        model.close();
        list.write(out);
        System.exit(0);
    }

    private static double readBytes(Path file) throws Exception {
        long t0 = System.nanoTime();
        byte[] buf = new byte[1 << 20];
        long sum = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) sum += buf[n - 1];
        }
        double s = seconds(t0);
        if (sum == Long.MIN_VALUE) System.out.println(sum); // keeps the reads
        return s;
    }

    /** llama.cpp's seconds for the same windows, from the reference script's JSON, or null when none was recorded. */
    private static Double llamaCpp(Path json) throws Exception {
        if (json == null || !Files.isRegularFile(json)) return null;
        JsonNode n = new ObjectMapper().readTree(json.toFile());
        return n.has("seconds") ? n.get("seconds").asDouble() : null;
    }

    private static double peakRssMb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        return Double.NaN;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
