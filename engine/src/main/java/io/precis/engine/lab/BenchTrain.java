package io.precis.engine.lab;

import ai.djl.pytorch.jni.JniUtils;
import io.precis.engine.io.AtomicFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code make bench-train}: training throughput (tokens/s) of the lab's middle size (w64l2, fp32, context 128,
 * batch 16) on the CPU, against DJL's default path measured in the same run: one process with libtorch's own
 * intra-op thread count. Compared: one thread in one process, and one process per core with one thread each (what
 * {@code make scaling-lab} does). Each figure trains a fresh model for the given steps after a short warm-up run;
 * CPU seconds per step come from the process's CPU time, so a loaded machine shows in wall time, less in CPU.
 * Writes {@code [{name, value, unit, reference, ratio}]} (ratio: times the reference's throughput) as JSON.
 * With {@code --torch FILE,...} (what {@code make bench-train} passes when a venv with torch exists: the same model
 * trained by PyTorch eager, {@code tests/reference/torch_lab_train.py}, minutes before in the same make run), those
 * figures are added and the first of them, PyTorch eager at its default threads, is the reference for tokens/s.
 */
public final class BenchTrain {
    private BenchTrain() {}

    record Result(long tokens, double seconds, double cpuSeconds, int steps) {
        double tokensPerSecond() { return tokens / seconds; }
        double cpuPerStep() { return cpuSeconds / steps; }
    }

    static LabCell cell(int steps) {
        return new LabCell(LabSize.of(64, 2, 4), (long) steps * 128 * 16, TrainPrecision.FP32, 1, 128, 16, 2e-3f);
    }

    /** Trains a warm-up cell of 5 steps, then the timed one. */
    static Result measure(LabCorpus corpus, int steps) {
        try (ai.djl.Model warm = LabTrainer.train(cell(5), corpus, null)) { /* JIT, allocator */ }
        LabCell c = cell(steps);
        double cpu0 = cpu();
        long t0 = System.nanoTime();
        try (ai.djl.Model m = LabTrainer.train(c, corpus, null)) { /* timed */ }
        return new Result(c.trainedTokens(), (System.nanoTime() - t0) / 1e9, cpu() - cpu0, steps);
    }

    static double cpu() {
        return ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO).toNanos() / 1e9;
    }

    public static void main(String[] args) throws Exception {
        int steps = 40, jobs = Runtime.getRuntime().availableProcessors();
        Path out = Path.of("target", "bench", "train.json");
        boolean child = false;
        List<String> torch = List.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--child" -> child = true;
                case "--torch" -> torch = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("usage: BenchTrain [--steps N] [--jobs J] [--out FILE]");
            }
        }
        LabCorpus corpus = LabCorpus.load(LabCorpus.defaultDir());
        if (child) { // one of the per-core processes: one thread, report on one line
            LabTrainer.cpuThreads(1);
            Result r = measure(corpus, steps);
            System.out.printf(Locale.ROOT, "RESULT %d %.6f %.6f%n", r.tokens(), r.seconds(), r.cpuSeconds());
            return;
        }
        if (ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() > 0)
            System.out.println("bench-train: a GPU is present; this benchmark measures the CPU paths only where there is none, figures follow anyway");
        double load0 = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        int defaultThreads = JniUtils.getNumThreads();
        System.out.println("bench-train: reference, DJL's default (" + defaultThreads + " libtorch threads), " + steps + " steps of 2,048 tokens");
        Result ref = measure(corpus, steps);
        JniUtils.setNumThreads(1);
        System.out.println("bench-train: one thread");
        Result one = measure(corpus, steps);
        System.out.println("bench-train: " + jobs + " processes of one thread each, at once");
        List<Process> procs = new ArrayList<>();
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (int j = 0; j < jobs; j++) {
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchTrain.class.getName(), "--child", "--steps", String.valueOf(steps)));
            procs.add(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        }
        double rate = 0, cpuPerStep = 0;
        for (Process p : procs) {
            String res = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) if (line.startsWith("RESULT ")) res = line;
            }
            if (p.waitFor() != 0 || res == null) throw new IOException("a bench-train child process failed (exit " + p.exitValue() + ")");
            String[] f = res.split(" ");
            rate += Long.parseLong(f[1]) / Double.parseDouble(f[2]);
            cpuPerStep += Double.parseDouble(f[3]) / steps / jobs;
        }
        double load1 = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        String model = "w64l2 fp32 (N=" + cell(1).size().nonEmbeddingParams() + "), context 128, batch 16, " + steps + " steps";
        List<String> e = new ArrayList<>();
        // PyTorch eager, when measured in this run, is the reference for throughput; else DJL's default path
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        List<com.fasterxml.jackson.databind.JsonNode> eager = new ArrayList<>();
        for (String f : torch) if (Files.isRegularFile(Path.of(f))) eager.add(mapper.readTree(Path.of(f).toFile()));
        double reference = eager.isEmpty() ? ref.tokensPerSecond() : eager.get(0).get("tokens_per_second").asDouble();
        for (int k = 0; k < eager.size(); k++) {
            var t = eager.get(k);
            if (t.get("N").asLong() != cell(1).size().nonEmbeddingParams())
                throw new IOException("the PyTorch model has N=" + t.get("N") + ", the lab's " + cell(1).size().nonEmbeddingParams() + ": not the same model");
            e.add(entry("train " + model + ": PyTorch eager " + t.get("torch").asText() + ", " + threads(t.get("threads").asInt()) + (k == 0 ? " (the reference)" : ""),
                    t.get("tokens_per_second").asDouble(), "tokens/s", reference));
        }
        e.add(entry("train " + model + ": DJL default path, " + defaultThreads + " libtorch threads" + (eager.isEmpty() ? " (the reference)" : ""), ref.tokensPerSecond(), "tokens/s", reference));
        e.add(entry("train " + model + ": one libtorch thread, one process", one.tokensPerSecond(), "tokens/s", reference));
        e.add(entry("train " + model + ": " + jobs + " processes x one thread (make scaling-lab), summed", rate, "tokens/s", reference));
        for (var t : eager)
            e.add(entry("CPU seconds per step: PyTorch eager, " + threads(t.get("threads").asInt()), t.get("cpu_seconds_per_step").asDouble(), "s", ref.cpuPerStep()));
        e.add(entry("CPU seconds per step: DJL default path (the reference)", ref.cpuPerStep(), "s", ref.cpuPerStep()));
        e.add(entry("CPU seconds per step: one thread", one.cpuPerStep(), "s", ref.cpuPerStep()));
        e.add(entry("CPU seconds per step: " + jobs + " processes x one thread, mean", cpuPerStep, "s", ref.cpuPerStep()));
        e.add(entry("cores", Runtime.getRuntime().availableProcessors(), "count", null));
        e.add(entry("load average at the start (other work on this machine)", load0, "load", null));
        e.add(entry("load average at the end", load1, "load", null));
        String json = "[\n" + String.join(",\n", e) + "\n]\n";
        AtomicFiles.writeString(out, json);
        System.out.print(json);
        System.out.println("wrote " + out.toAbsolutePath());
    }

    /** One {name, value, unit, reference, ratio}; for seconds the ratio is reference / value (times faster). */
    private static String entry(String name, double value, String unit, Double reference) {
        String ratio = reference == null ? "null" : fmt(unit.equals("s") ? reference / value : value / reference);
        System.out.printf(Locale.ROOT, "%-110s %12.4f %s%n", name, value, unit);
        return String.format(Locale.ROOT, "  {\"name\": \"%s\", \"value\": %s, \"unit\": \"%s\", \"reference\": %s, \"ratio\": %s}",
                name.replace("\"", "'"), fmt(value), unit, reference == null ? "null" : fmt(reference), ratio);
    }

    private static String threads(int n) {
        return n == 1 ? "1 thread" : n + " threads";
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }
}
