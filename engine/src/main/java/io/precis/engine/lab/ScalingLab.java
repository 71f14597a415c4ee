package io.precis.engine.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs a grid: for each cell, train (or load its checkpoint), measure δ_PTQ, write the cell's rows; a finished
 * cell is skipped, so an interrupted run resumes at the cell it was in. Then the rows of every cell become one
 * table, {@code ptq.csv}. Command line (what {@code make scaling-lab} calls):
 *
 * <pre>
 * ScalingLab run --grid full|small [--cell ID] [--out DIR] [--corpus DIR]
 * ScalingLab list --grid full|small
 * ScalingLab fit TABLE [--family int-channel] [--train fp32]
 * </pre>
 */
public final class ScalingLab {
    private ScalingLab() {}

    /** Runs the grid's cells (or the one named {@code onlyCell}) into {@code out}; returns the whole table. */
    public static List<PtqRow> run(LabGrid grid, LabCorpus corpus, Path out, String onlyCell, PrintStream log) throws IOException {
        List<LabCell> cells = grid.cells();
        if (onlyCell != null) {
            cells = cells.stream().filter(c -> c.id().equals(onlyCell)).toList();
            if (cells.isEmpty()) throw new IllegalArgumentException("no cell '" + onlyCell + "' in the " + grid.name() + " grid; 'list' shows them");
        }
        final List<LabCell> todo = cells;
        double total = 0, doneHere = 0;
        for (LabCell c : cells) total += cost(c);
        long t0 = System.nanoTime();
        int i = 0;
        for (LabCell c : cells) {
            i++;
            Path rowsFile = out.resolve("cells").resolve(c.id() + ".csv");
            if (Files.isRegularFile(rowsFile)) {
                total -= cost(c); // finished before this run: not part of the ETA
                log.printf(Locale.ROOT, "[%d/%d] %s: done before, skipped%n", i, cells.size(), c.id());
                continue;
            }
            Path ckpt = out.resolve("checkpoints").resolve(c.id() + ".plab");
            final int idx = i;
            final double before = doneHere, totalNow = total;
            try (ai.djl.Model m = trainedOrLoaded(c, corpus, ckpt, (s, steps, loss) -> {
                double el = (System.nanoTime() - t0) / 1e9;
                double now = before + cost(c) * s / steps;
                double eta = now > 0 ? el / now * (totalNow - now) : Double.NaN;
                log.printf(Locale.ROOT, "[%d/%d] %s step %d/%d train loss %.4f | elapsed %s, grid ETA %s%n",
                        idx, todo.size(), c.id(), s, steps, loss, dur(el), dur(eta));
            })) {
                List<PtqRow> rows = PtqMeasure.measure(m, c, corpus, grid.evalWindows(), PtqMeasure.standard(grid.group()));
                PtqTable.write(rowsFile, rows);
                log.printf(Locale.ROOT, "[%d/%d] %s held-out loss %.4f; int-channel δ at 3/4/8 bits %.4f / %.4f / %.4f%n", i, cells.size(), c.id(),
                        rows.get(0).lossFp(), rows.get(0).delta(), rows.get(1).delta(), rows.get(5).delta());
            }
            doneHere += cost(c);
        }
        List<PtqRow> all = new ArrayList<>();
        for (LabCell c : grid.cells()) {
            Path f = out.resolve("cells").resolve(c.id() + ".csv");
            if (Files.isRegularFile(f)) all.addAll(PtqTable.read(f));
        }
        PtqTable.write(out.resolve("ptq.csv"), all);
        return all;
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
        if (args.length == 0) throw new IllegalArgumentException("usage: run --grid full|small [--cell ID] [--out DIR] [--corpus DIR] | list --grid G | fit TABLE [--family F] [--train P]");
        String grid = "small", cell = null, family = "int-channel", train = "fp32", table = null;
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
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        LabGrid g = LabGrid.named(grid);
        switch (args[0]) {
            case "list" -> g.cells().forEach(c -> out.println(c.id() + "  N=" + c.size().nonEmbeddingParams() + " steps=" + c.steps()));
            case "run" -> {
                List<PtqRow> rows = run(g, LabCorpus.load(corpus), outDir != null ? outDir : Path.of("target", "scaling-lab", grid), cell, out);
                out.println("rows: " + rows.size());
            }
            case "fit" -> {
                if (table == null) throw new IllegalArgumentException("fit needs the table's path");
                String fam = family, tp = train;
                List<PtqRow> rows = PtqTable.read(Path.of(table)).stream().filter(r -> r.ptqFormat().equals(fam) && r.trainPrecision().equals(tp)).toList();
                out.println(PrecisionLaw.fit(rows, 200, 1));
            }
            default -> throw new IllegalArgumentException("unknown command '" + args[0] + "'; use run, list or fit");
        }
        return 0;
    }
}
