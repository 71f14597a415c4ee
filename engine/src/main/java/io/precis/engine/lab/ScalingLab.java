package io.precis.engine.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Runs a grid: for each cell, train (or load its checkpoint), measure δ_PTQ, write the cell's rows; a finished
 * cell is skipped, so an interrupted run resumes at the cells it had not finished. Then the rows of every cell
 * become one table, {@code ptq.csv}. On the CPU {@code run} starts one worker process per core (one libtorch thread
 * each): a worker claims a cell by creating {@code claims/<cell>} (atomic), so no two train the same cell.
 * Command line (what {@code make scaling-lab} calls):
 *
 * <pre>
 * ScalingLab run --grid full|small [--seeds 1,2] [--precisions fp32,bf16,qat-int4] [--cell ID] [--out DIR] [--corpus DIR] [--jobs J]
 * ScalingLab list --grid full|small
 * ScalingLab fit TABLE [--family int-channel] [--train fp32] [--algorithm rtn|gptq]
 * ScalingLab figures TABLE --out DIR [--family int-channel]
 * </pre>
 */
public final class ScalingLab {
    private ScalingLab() {}

    /**
     * Runs the grid's cells (or the one named {@code onlyCell}) into {@code out} in this process, one after the other,
     * with one libtorch thread on the CPU (restored after); returns the whole table.
     */
    public static List<PtqRow> run(LabGrid grid, LabCorpus corpus, Path out, String onlyCell, PrintStream log) throws IOException {
        int before = LabTrainer.cpuThreads(1);
        try {
            work(grid, corpus, out, onlyCell, log, 1, false);
        } finally {
            if (before > 0) LabTrainer.cpuThreads(before);
        }
        return table(grid, out);
    }

    /**
     * Runs the grid in {@code jobs} worker processes of this JVM's kind (same java, class path and options), their
     * lines prefixed {@code w1..wJ}; returns the whole table once all have ended. Claims left by an interrupted run
     * are cleared first (this process is the only one running the grid in {@code out}).
     */
    public static List<PtqRow> runWorkers(LabGrid grid, Path corpusDir, Path out, int jobs, PrintStream log) throws IOException {
        Path claims = out.resolve("claims");
        if (Files.isDirectory(claims)) try (var s = Files.list(claims)) {
            for (Path p : s.toList()) Files.deleteIfExists(p);
        }
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<Process> procs = new ArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        for (int w = 1; w <= jobs; w++) {
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ScalingLab.class.getName(), "run", "--grid", grid.name(),
                    "--seeds", grid.seeds().stream().map(String::valueOf).collect(Collectors.joining(",")),
                    "--precisions", grid.precisions().stream().map(TrainPrecision::name).collect(Collectors.joining(",")),
                    "--out", out.toString(), "--corpus", corpusDir.toString(), "--worker", w + "/" + jobs));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            procs.add(p);
            String tag = "w" + w + " ";
            Thread t = Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) synchronized (log) { log.println(tag + line); }
                } catch (IOException e) {
                    synchronized (log) { log.println(tag + "(output lost: " + e.getMessage() + ")"); }
                }
            });
            pumps.add(t);
        }
        List<String> failed = new ArrayList<>();
        try {
            for (int i = 0; i < procs.size(); i++) {
                int rc = procs.get(i).waitFor();
                pumps.get(i).join();
                if (rc != 0) failed.add("worker w" + (i + 1) + " exited with " + rc);
            }
        } catch (InterruptedException e) {
            procs.forEach(Process::destroy);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted; finished cells are kept and a rerun resumes", e);
        }
        if (!failed.isEmpty()) throw new IOException(String.join("; ", failed) + " (see its lines above; a rerun resumes)");
        return table(grid, out);
    }

    /**
     * The rows of every finished cell, written as {@code ptq.csv}: the grid's in grid order, then any other cells the
     * folder holds (another seed or training precision run into it), by name.
     */
    static List<PtqRow> table(LabGrid grid, Path out) throws IOException {
        List<PtqRow> all = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (LabCell c : grid.cells()) {
            Path f = out.resolve("cells").resolve(c.id() + ".csv");
            seen.add(f.getFileName().toString());
            if (Files.isRegularFile(f)) all.addAll(PtqTable.read(f));
        }
        if (Files.isDirectory(out.resolve("cells"))) try (var files = Files.list(out.resolve("cells"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".csv") && !seen.contains(p.getFileName().toString())).sorted().toList())
                all.addAll(PtqTable.read(f));
        }
        PtqTable.write(out.resolve("ptq.csv"), all);
        return all;
    }

    /**
     * Trains and measures the cells not yet done. With {@code claim}, a cell is taken only if this process creates its
     * claim file first; {@code jobs} processes share the work, so the ETA divides the work left by that many.
     */
    static void work(LabGrid grid, LabCorpus corpus, Path out, String onlyCell, PrintStream log, int jobs, boolean claim) throws IOException {
        List<LabCell> cells = grid.cells();
        if (onlyCell != null) {
            cells = cells.stream().filter(c -> c.id().equals(onlyCell)).toList();
            if (cells.isEmpty()) throw new IllegalArgumentException("no cell '" + onlyCell + "' in the " + grid.name() + " grid; 'list' shows them");
        }
        final List<LabCell> todo = cells;
        Path claims = out.resolve("claims");
        if (claim) Files.createDirectories(claims);
        long t0 = System.nanoTime();
        double[] doneHere = {0};
        int i = 0;
        List<PtqMeasure.Ptq> ptqs = PtqMeasure.standard(grid.group());
        for (LabCell c : cells) {
            i++;
            Path rowsFile = out.resolve("cells").resolve(c.id() + ".csv");
            if (measured(rowsFile, ptqs)) {
                if (!claim) log.printf(Locale.ROOT, "[%d/%d] %s: done before, skipped%n", i, cells.size(), c.id());
                continue;
            }
            Path mine = claims.resolve(c.id());
            if (claim) {
                try {
                    Files.createFile(mine);
                } catch (FileAlreadyExistsException e) {
                    continue; // another worker has it
                }
                if (measured(rowsFile, ptqs)) { // finished by another worker between the two looks (rows come before its claim goes)
                    Files.deleteIfExists(mine);
                    continue;
                }
            }
            try {
                Path ckpt = out.resolve("checkpoints").resolve(c.id() + ".plab");
                // rows of an earlier measurement of this checkpoint: kept, only the measurements they lack are added
                List<PtqRow> before = Files.isRegularFile(rowsFile) && Files.isRegularFile(ckpt) ? PtqTable.read(rowsFile) : List.of();
                if (!before.isEmpty()) log.printf(Locale.ROOT, "[%d/%d] %s: %d of %d measurements done before; measuring the rest from its checkpoint%n",
                        i, cells.size(), c.id(), before.stream().filter(r -> ptqs.stream().anyMatch(q -> q.key().equals(PtqMeasure.key(r)))).count(), ptqs.size());
                final int idx = i;
                try (ai.djl.Model m = trainedOrLoaded(c, corpus, ckpt, (s, steps, loss) -> {
                    double el = (System.nanoTime() - t0) / 1e9;
                    double now = doneHere[0] + cost(c) * s / steps;
                    double left = workLeft(todo, out) - cost(c) * s / steps;
                    double eta = now > 0 ? el / now * left / jobs : Double.NaN;
                    log.printf(Locale.ROOT, "[%d/%d] %s step %d/%d train loss %.4f | elapsed %s, grid ETA %s%n",
                            idx, todo.size(), c.id(), s, steps, loss, dur(el), dur(eta));
                })) {
                    List<PtqRow> rows = PtqMeasure.measure(m, c, corpus, grid.evalWindows(), ptqs, before);
                    PtqTable.write(rowsFile, rows);
                    log.printf(Locale.ROOT, "[%d/%d] %s held-out loss %.4f; int-channel δ at 3/4/8 bits %.4f / %.4f / %.4f%n", i, cells.size(), c.id(),
                            rows.get(0).lossFp(), rows.get(0).delta(), rows.get(1).delta(), rows.get(5).delta());
                }
            } finally {
                if (claim) Files.deleteIfExists(mine);
            }
            doneHere[0] += cost(c);
        }
    }

    /**
     * GPTQ against round to nearest per bits, over every model of the table: in how many GPTQ's δ is below RTN's,
     * and the mean δ of each (one line per bits).
     */
    static String gptqSummary(List<PtqRow> rows, String family) {
        java.util.Map<String, PtqRow> rtn = new java.util.HashMap<>();
        for (PtqRow r : rows) if (r.algorithm().equals("rtn") && r.ptqFormat().equals(family)) rtn.put(pairKey(r), r);
        java.util.TreeMap<Integer, double[]> byBits = new java.util.TreeMap<>(); // below, pairs, Σ δ rtn, Σ δ gptq
        for (PtqRow g : rows) {
            if (!g.algorithm().equals("gptq") || !g.ptqFormat().equals(family)) continue;
            PtqRow r = rtn.get(pairKey(g));
            if (r == null) continue;
            double[] a = byBits.computeIfAbsent(g.bits(), b -> new double[4]);
            if (g.delta() < r.delta()) a[0]++;
            a[1]++;
            a[2] += r.delta();
            a[3] += g.delta();
        }
        StringBuilder sb = new StringBuilder("GPTQ vs round to nearest, " + family + ", every model of the table:\n");
        for (var e : byBits.entrySet()) {
            double[] a = e.getValue();
            sb.append(String.format(Locale.ROOT, "  %d bits: GPTQ's δ below RTN's in %d of %d models; mean δ RTN %.4f, GPTQ %.4f%s%n", e.getKey(),
                    (int) a[0], (int) a[1], a[2] / a[1], a[3] / a[1], a[2] > 0 ? String.format(Locale.ROOT, " (%.2f×)", a[3] / a[2]) : ""));
        }
        return sb.toString();
    }

    private static String pairKey(PtqRow r) {
        return r.n() + "/" + r.d() + "/" + r.trainPrecision() + "/" + r.seed() + "/" + r.bits();
    }

    private static List<Long> parseSeeds(String v) {
        List<Long> out = new ArrayList<>();
        for (String p : v.split(",")) {
            try {
                out.add(Long.parseLong(p.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--seeds needs whole numbers separated by commas, not '" + v + "'");
            }
        }
        return out;
    }

    /** Work of the cells without rows yet (by any process). */
    private static double workLeft(List<LabCell> cells, Path out) {
        double left = 0;
        for (LabCell c : cells) if (!Files.isRegularFile(out.resolve("cells").resolve(c.id() + ".csv"))) left += cost(c);
        return left;
    }

    /** Whether a cell's rows hold every measurement of {@code ptqs} (a grid that gained measurements redoes the rest). */
    static boolean measured(Path rowsFile, List<PtqMeasure.Ptq> ptqs) throws IOException {
        if (!Files.isRegularFile(rowsFile)) return false;
        java.util.Set<String> have = new java.util.HashSet<>();
        for (PtqRow r : PtqTable.read(rowsFile)) have.add(PtqMeasure.key(r));
        return ptqs.stream().allMatch(q -> have.contains(q.key()));
    }

    private static ai.djl.Model trainedOrLoaded(LabCell c, LabCorpus corpus, Path ckpt, LabTrainer.Progress p) throws IOException {
        if (Files.isRegularFile(ckpt)) {
            ai.djl.Model m = LabTrainer.newModel(c);
            m.getBlock().initialize(m.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, new ai.djl.ndarray.types.Shape(c.batch(), c.context()));
            Checkpoints.load((LabLm) m.getBlock(), ckpt);
            return m;
        }
        ai.djl.Model m = LabTrainer.train(c, corpus, p);
        Checkpoints.save((LabLm) m.getBlock(), ckpt);
        return m;
    }

    /** Work of a cell, for the ETA: tokens × (non-embedding parameters + the head's). */
    static double cost(LabCell c) {
        return (double) c.trainedTokens() * (c.size().nonEmbeddingParams() + (long) LabSize.VOCAB * c.size().width());
    }

    /** One worker per core on the CPU; one on a GPU (its work is the device's). */
    static int defaultJobs() {
        return ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() > 0 ? 1 : Runtime.getRuntime().availableProcessors();
    }

    static String dur(double s) {
        if (!Double.isFinite(s)) return "?";
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, t % 3600 / 60) : String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
    }

    public static void main(String[] args) throws Exception {
        try {
            System.exit(cli(args, System.out));
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("scaling-lab: " + e.getMessage());
            System.exit(2);
        }
    }

    static int cli(String[] args, PrintStream out) throws IOException {
        if (args.length == 0) throw new IllegalArgumentException("usage: run --grid full|small [--seeds S,..] [--precisions P,..] [--cell ID] [--out DIR] [--corpus DIR] [--jobs J] | list --grid G | fit TABLE [--family F] [--train P] [--algorithm rtn|gptq]"
                + " | figures TABLE --out DIR [--family F]");
        String grid = "small", cell = null, family = "int-channel", train = "fp32", algorithm = "rtn", table = null, worker = null;
        int jobs = 0;
        List<Long> seeds = null;
        List<TrainPrecision> precisions = null;
        Path outDir = null, corpus = LabCorpus.defaultDir();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                table = a;
                continue;
            }
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
            String v = args[++i];
            switch (a) {
                case "--grid" -> grid = v;
                case "--cell" -> cell = v;
                case "--out" -> outDir = Path.of(v);
                case "--corpus" -> corpus = Path.of(v);
                case "--family" -> family = v;
                case "--train" -> train = v;
                case "--algorithm" -> algorithm = v;
                case "--jobs" -> {
                    try {
                        jobs = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--jobs needs a whole number, not '" + v + "'");
                    }
                    if (jobs < 1) throw new IllegalArgumentException("--jobs must be at least 1");
                }
                case "--worker" -> worker = v;
                case "--seeds" -> seeds = parseSeeds(v);
                case "--precisions" -> {
                    precisions = new ArrayList<>();
                    for (String p : v.split(",")) precisions.add(TrainPrecision.parse(p.strip()));
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        LabGrid g = LabGrid.named(grid).with(seeds, precisions);
        switch (args[0]) {
            case "list" -> g.cells().forEach(c -> out.println(c.id() + "  N=" + c.size().nonEmbeddingParams() + " steps=" + c.steps()));
            case "run" -> {
                Path dir = outDir != null ? outDir : Path.of("target", "scaling-lab", grid);
                if (worker != null) { // one of runWorkers' processes: "k/J"
                    LabTrainer.cpuThreads(1);
                    work(g, LabCorpus.load(corpus), dir, null, out, Integer.parseInt(worker.substring(worker.indexOf('/') + 1)), true);
                    return 0;
                }
                int j = jobs > 0 ? jobs : defaultJobs();
                List<PtqRow> rows;
                if (cell != null || j == 1) rows = run(g, LabCorpus.load(corpus), dir, cell, out);
                else {
                    LabCorpus.load(corpus); // a clear message here rather than one per worker
                    out.println("scaling-lab: " + j + " worker processes, one libtorch thread each");
                    rows = runWorkers(g, corpus, dir, j, out);
                }
                out.println("rows: " + rows.size());
            }
            case "fit" -> {
                if (table == null) throw new IllegalArgumentException("fit needs the table's path");
                String fam = family, tp = train, alg = algorithm;
                List<PtqRow> rows = PtqTable.read(Path.of(table)).stream()
                        .filter(r -> r.ptqFormat().equals(fam) && r.trainPrecision().equals(tp) && r.algorithm().equals(alg)).toList();
                if (rows.isEmpty()) throw new IllegalArgumentException(table + " has no rows trained " + tp + ", quantized " + fam + " by " + alg);
                out.println(PrecisionLaw.fit(rows, 200, 1));
            }
            case "figures" -> {
                if (table == null || outDir == null) throw new IllegalArgumentException("figures needs the table's path and --out DIR");
                figures(PtqTable.read(Path.of(table)), family, outDir, out);
            }
            default -> throw new IllegalArgumentException("unknown command '" + args[0] + "'; use run, list, fit or figures");
        }
        return 0;
    }

    /**
     * The README's figures of a PTQ table (PNG, written atomically) and both fits ({@code fit.txt}): δ vs D per size
     * with Eq. 2 fitted to the fp32 rows, δ vs bits, measured vs predicted and residuals, QAT vs PTQ robustness with
     * the effective-parameter law (Eq. 8-9) at the middle size and the largest budget.
     */
    static void figures(List<PtqRow> all, String family, Path dir, PrintStream out) throws IOException {
        Files.createDirectories(dir);
        // the paper's fits and figures are round to nearest's; GPTQ's rows get their own fit and a comparison
        List<PtqRow> rows = all.stream().filter(r -> r.algorithm().equals("rtn")).toList();
        List<PtqRow> gptq = all.stream().filter(r -> r.algorithm().equals("gptq") && r.ptqFormat().equals(family) && r.trainPrecision().equals("fp32")).toList();
        List<PtqRow> fp32 = rows.stream().filter(r -> r.ptqFormat().equals(family) && r.trainPrecision().equals("fp32")).toList();
        if (fp32.isEmpty()) throw new IllegalArgumentException("the table has no fp32 rows of " + family);
        PrecisionLaw law = PrecisionLaw.fit(fp32, 200, 1);
        List<PtqRow> fam = rows.stream().filter(r -> r.ptqFormat().equals(family)).toList();
        TrainingPrecisionLaw across = fam.stream().map(PtqRow::trainPrecision).distinct().count() > 1 ? TrainingPrecisionLaw.fit(fam, 200, 1) : null;
        List<Long> sizes = fp32.stream().map(PtqRow::n).distinct().sorted().toList();
        long maxD = fp32.stream().mapToLong(PtqRow::d).max().orElseThrow();
        long midN = sizes.get(sizes.size() / 2);
        java.util.Map<String, io.precis.engine.figure.Figure> figs = new java.util.LinkedHashMap<>();
        for (long n : sizes) figs.put("delta-vs-D-N" + n, LabFigures.deltaVsD(rows, family, "fp32", n, law));
        figs.put("delta-vs-bits-N" + midN, LabFigures.deltaVsBits(rows, family, "fp32", midN));
        figs.put("measured-vs-predicted", LabFigures.measuredVsPredicted(law));
        figs.put("residuals", LabFigures.residuals(law));
        if (across != null) figs.put("robustness-N" + midN, LabFigures.robustness(across, midN, maxD));
        PrecisionLaw gptqLaw = gptq.size() >= 5 ? PrecisionLaw.fit(gptq, 200, 1) : null;
        if (gptqLaw != null) figs.put("gptq-vs-rtn-N" + midN, LabFigures.gptqVsRtn(all, family, midN, List.of(3, 4), law, gptqLaw));
        for (var e : figs.entrySet()) {
            Path f = dir.resolve(e.getKey() + ".png"), tmp = dir.resolve(e.getKey() + ".png.tmp");
            Files.write(tmp, e.getValue().toPng(900, 560));
            Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            out.println("wrote " + f);
        }
        String fits = "Eq. 2 on the fp32 rows of " + family + " (round to nearest):\n" + law + "\n"
                + (across == null ? "" : "\nEq. 8-9 across training precisions (round to nearest):\n" + across + "\n")
                + (gptqLaw == null ? "" : "\nEq. 2 on the fp32 rows of " + family + " quantized by GPTQ:\n" + gptqLaw + "\n" + gptqSummary(all, family));
        Path tmp = dir.resolve("fit.txt.tmp");
        Files.writeString(tmp, fits);
        Files.move(tmp, dir.resolve("fit.txt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        out.print(fits);
    }
}
