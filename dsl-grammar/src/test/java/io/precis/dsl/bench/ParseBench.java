package io.precis.dsl.bench;

import io.precis.dsl.CellClassifier;
import io.precis.dsl.Completion;
import io.precis.dsl.CompletionContext;
import io.precis.dsl.DslParser;
import io.precis.dsl.ParseResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * How long the language takes on a 20-rule cell, against a JShell {@code 1+1} evaluation (in-process
 * engine) measured in the same run as the reference: what a Java cell costs anyway. Medians of sampled
 * times. Writes target/bench/dsl-grammar.json.
 * Run: {@code ./mvnw -B -ntp -pl dsl-grammar -Pbench verify} (see the module README).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xss4m"})
public class ParseBench {

    /** Twenty rules of the kinds a user writes, one per line, with a comment and a keep. */
    public static final String TWENTY_RULES = twentyRules();

    private String withErrors;
    private JShell jshell;

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

    /** Runs the benchmarks and writes target/bench/dsl-grammar.json: [{name, value, unit, reference, ratio}]. */
    public static void main(String[] args) throws RunnerException, IOException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(ParseBench.class.getName() + ".*")
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
            json.append(String.format(Locale.ROOT,
                    "  {\"name\": \"dsl.%s.median\", \"value\": %.3f, \"unit\": \"us\", \"reference\": %.3f,"
                            + " \"ratio\": %.4f}", name, value, reference, value / reference));
        }
        json.append("\n]\n");
        Path out = Path.of(args.length > 0 ? args[0] : "target/bench/dsl-grammar.json");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), "dsl-grammar", ".json");
        Files.writeString(tmp, json);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.print(json);
    }

    private static double median(RunResult r) {
        return r.getPrimaryResult().getStatistics().getPercentile(50);
    }
}
