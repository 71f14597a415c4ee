package io.precis.language.bench;

import io.precis.dsl.CellClassifier;
import io.precis.dsl.Completion;
import io.precis.dsl.CompletionContext;
import io.precis.dsl.DslParser;
import io.precis.dsl.ParseResult;
import io.precis.engine.format.Format;
import io.precis.engine.model.LayerKind;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.TensorRef;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import io.precis.engine.plan.Rule;
import io.precis.engine.plan.SensitivityLookup;
import io.precis.language.CellRuntime;
import java.util.Map;
import java.util.OptionalDouble;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import jdk.jshell.JShell;
import jdk.jshell.SnippetEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * {@code make bench-dsl}: how long the language takes on a 20-rule cell — parsing it, compiling its rules and
 * resolving them against a 200-layer model — against a JShell {@code 1+1} evaluation (in-process engine)
 * measured in the same run as the reference: what a Java cell costs anyway. Medians of sampled times.
 * Writes target/bench/dsl.json; ratio = reference / value (above 1: faster than JShell's 1+1).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xss4m"})
public class DslBench {

    /** Twenty rules of the kinds a user writes, one per line, with a comment and a keep. */
    public static final String TWENTY_RULES = twentyRules();

    private String withErrors;
    private JShell jshell;
    private List<LayerRef> layers;
    private final Map<String, Object> variables = Map.of("x", 0.002);

    /** A BERT-like model of 200 layers: embeddings, 16 encoder blocks of 12 modules, a pooler, a head. */
    public static List<LayerRef> twoHundredLayers() {
        List<LayerRef> l = new ArrayList<>();
        l.add(layer("embeddings.word_embeddings", LayerKind.EMBEDDING, 30522, 384));
        l.add(layer("embeddings.position_embeddings", LayerKind.EMBEDDING, 512, 384));
        l.add(layer("embeddings.token_type_embeddings", LayerKind.EMBEDDING, 2, 384));
        l.add(layer("embeddings.LayerNorm", LayerKind.NORM, 384, 1));
        l.add(layer("embeddings.dropout", LayerKind.OTHER, 384, 1));
        String[] linear = {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
            "intermediate.dense", "output.dense"};
        for (int b = 0; b < 16; b++) {
            for (String name : linear) {
                l.add(layer("encoder.layer." + b + "." + name, LayerKind.LINEAR, name.startsWith("intermediate") ? 1536 : 384,
                        name.equals("output.dense") ? 1536 : 384));
            }
            for (String n : new String[] {"attention.output.LayerNorm", "output.LayerNorm", "attention.self.dropout",
                "attention.output.dropout", "intermediate.act", "output.dropout"}) {
                l.add(layer("encoder.layer." + b + "." + n, n.endsWith("LayerNorm") ? LayerKind.NORM : LayerKind.OTHER, 384, 1));
            }
        }
        l.add(layer("pooler.dense", LayerKind.LINEAR, 384, 384));
        l.add(layer("pooler.activation", LayerKind.OTHER, 384, 1));
        l.add(layer("classifier", LayerKind.HEAD, 2, 384));
        if (l.size() != 200) {
            throw new IllegalStateException(l.size() + " layers");
        }
        return l;
    }

    private static LayerRef layer(String name, LayerKind kind, long rows, long cols) {
        return new LayerRef(name, kind, List.of(new TensorRef(name + ".weight", TensorRef.Role.WEIGHT, new long[] {rows, cols}, "float32", 0)));
    }

    /** Sensitivities already measured (the bench times resolution, not measurement): a fixed value per layer. */
    static final SensitivityLookup MEASURED = new SensitivityLookup() {
        @Override
        public double sensitivity(LayerRef layer, Format format) {
            return (Math.floorMod(layer.name().hashCode() ^ format.toString().hashCode(), 1000)) * 1e-5;
        }

        @Override
        public OptionalDouble known(LayerRef layer, Format format) {
            return OptionalDouble.of(sensitivity(layer, format));
        }

        @Override
        public String describe() {
            return "fixed values (bench)";
        }
    };

    static String twentyRules() {
        List<String> lines = new ArrayList<>();
        lines.add("// a 20-rule plan");
        for (int i = 0; i < 6; i++) {
            lines.add("quantize encoder.layer." + i + ".attention.* to int4 group 128 where sensitivity < x");
            lines.add("quantize encoder.layer." + i + ".intermediate.dense to mxfp4 where params > 1M and not kind = \"norm\"");
            lines.add("quantize encoder.layer." + i + ".output.dense to int8 per channel symmetric mse except *.LayerNorm");
        }
        lines.add("keep pooler*, embeddings.*");
        lines.add("quantize *.query, *.key to fp8_e4m3 per tensor");
        return String.join("\n", lines);
    }

    @Setup(Level.Trial)
    public void setUp() {
        if (TWENTY_RULES.lines().filter(l -> !l.startsWith("//")).count() != 20
                || DslParser.parse(TWENTY_RULES).hasErrors()) {
            throw new IllegalStateException("the bench cell must be 20 valid rules");
        }
        layers = twoHundredLayers();
        if (resolveTwentyRules().quantized().isEmpty()) {
            throw new IllegalStateException("the bench rules must quantize something");
        }
        withErrors = TWENTY_RULES.replace("to int8 per channel", "to int8 per chanel").replace("quantize *.query", "quantise *.query");
        // In-process execution, as a kernel runs cells (the default JDI engine adds a second JVM per call).
        jshell = JShell.builder().executionEngine("local").build();
        jshell.eval("1+1");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        jshell.close();
    }

    @Benchmark
    public ParseResult parseTwentyRules() {
        return DslParser.parse(TWENTY_RULES);
    }

    /** Parse, compile the 20 rules (formats, patterns, conditions) and resolve them over 200 layers. */
    @Benchmark
    public Plan resolveTwentyRules() {
        List<Rule> rules = CellRuntime.rules(TWENTY_RULES, variables);
        return Planner.resolve("bench", layers, rules, MEASURED);
    }

    @Benchmark
    public ParseResult parseTwentyRulesWithTwoErrors() {
        return DslParser.parse(withErrors);
    }

    @Benchmark
    public CompletionContext completeAtEndOfTwentyRules() {
        return Completion.at(TWENTY_RULES, TWENTY_RULES.length());
    }

    @Benchmark
    public boolean classifyTwentyRules() {
        return CellClassifier.isDsl(TWENTY_RULES);
    }

    @Benchmark
    public List<SnippetEvent> jshellOnePlusOne() {
        return jshell.eval("1+1");
    }

    /** Runs the benchmarks and writes target/bench/dsl.json: [{name, value, unit, reference, ratio}]. */
    public static void main(String[] args) throws RunnerException, IOException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(DslBench.class.getName() + ".*")
                .build()).run();
        double reference = Double.NaN;
        for (RunResult r : results) {
            if (r.getParams().getBenchmark().endsWith("jshellOnePlusOne")) {
                reference = median(r);
            }
        }
        StringBuilder json = new StringBuilder("[\n");
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            double value = median(r);
            if (json.length() > 2) {
                json.append(",\n");
            }
            String target = name.equals("resolveTwentyRules") ? ", \"target\": \"<= 2000 us\"" : "";
            json.append(String.format(Locale.ROOT,
                    "  {\"name\": \"dsl.%s.median\", \"value\": %.3f, \"unit\": \"us\", \"reference\": %.3f,"
                            + " \"ratio\": %.4f%s}", name, value, reference, reference / value, target));
        }
        json.append("\n]\n");
        Path out = Path.of(args.length > 0 ? args[0] : "target/bench/dsl.json");
        io.precis.engine.io.AtomicFiles.writeString(out, json.toString());
        System.out.print(json);
    }

    private static double median(RunResult r) {
        return r.getPrimaryResult().getStatistics().getPercentile(50);
    }
}
