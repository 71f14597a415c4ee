package io.precis.engine.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The small grid end to end on the real lab corpus (models/setup-lab-data.sh): trains 21 tiny models, measures
 * δ_PTQ by round to nearest and GPTQ, writes the table, resumes without retraining (also a cell that lacks GPTQ's
 * rows), and fits the law. Its numbers are a pipeline check,
 * not a result (models of a few thousand parameters trained for 2..64 steps).
 */
class ScalingLabSmallGridTest {

    static LabCorpus corpusOrSkip() {
        Path dir = LabCorpus.defaultDir();
        if (!Files.isRegularFile(dir.resolve("val.txt"))) {
            String why = dir + " has no lab corpus; install it with models/setup-lab-data.sh (make models-data)";
            if (System.getenv("CI") != null) throw new AssertionError(why);
            Assumptions.abort(why);
        }
        return LabCorpus.load(dir);
    }

    @Test
    void smallGridTrainsMeasuresResumesAndFits(@TempDir Path out) throws Exception {
        LabCorpus corpus = corpusOrSkip();
        LabGrid grid = LabGrid.small();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<PtqRow> rows = ScalingLab.run(grid, corpus, out, null, new PrintStream(log, true, StandardCharsets.UTF_8));
        int ptqs = PtqMeasure.standard(grid.group()).size();
        assertEquals(grid.cells().size() * ptqs, rows.size());
        assertEquals(rows, PtqTable.read(out.resolve("ptq.csv")));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("grid ETA"), "progress with an ETA");
        assertTrue(rows.stream().allMatch(r -> Double.isFinite(r.lossFp()) && Double.isFinite(r.lossQ())));

        // training works: at every size, the largest budget ends below the smallest, and below uniform bytes (ln 256)
        for (LabSize s : grid.sizes()) {
            double first = lossFp(rows, r -> r.n() == s.nonEmbeddingParams() && r.trainPrecision().equals("fp32") && r.d() == grid.budgets().get(0));
            double last = lossFp(rows, r -> r.n() == s.nonEmbeddingParams() && r.trainPrecision().equals("fp32")
                    && r.d() == grid.budgets().get(grid.budgets().size() - 1) / (grid.batch() * grid.context()) * grid.batch() * grid.context());
            assertTrue(last < first - 0.5 && last < Math.log(256), s.name() + ": " + first + " -> " + last);
        }
        // fewer bits cost more: mean |δ| at 3 bits exceeds that at 8 bits, per channel and in groups
        for (String fam : List.of("int-channel", "int-g" + grid.group())) {
            assertTrue(meanAbsDelta(rows, fam, 3) > 4 * meanAbsDelta(rows, fam, 8), fam);
        }

        // resume: every cell is done, nothing retrains, the table is the same
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        List<PtqRow> resumed = ScalingLab.run(grid, corpus, out, null, new PrintStream(again, true, StandardCharsets.UTF_8));
        assertEquals(rows, resumed);
        assertTrue(!again.toString(StandardCharsets.UTF_8).contains(" step "), "no training on resume");

        // GPTQ rows for every int row of every model; at 3 bits per channel GPTQ costs less than round to nearest on average
        assertEquals(grid.cells().size() * 12L, rows.stream().filter(r -> r.algorithm().equals("gptq")).count());
        double rtn3 = rows.stream().filter(r -> r.ptqFormat().equals("int-channel") && r.bits() == 3 && r.algorithm().equals("rtn")).mapToDouble(PtqRow::delta).average().orElseThrow();
        double gptq3 = rows.stream().filter(r -> r.ptqFormat().equals("int-channel") && r.bits() == 3 && r.algorithm().equals("gptq")).mapToDouble(PtqRow::delta).average().orElseThrow();
        assertTrue(gptq3 < rtn3, "mean δ at int3 per channel: GPTQ " + gptq3 + ", RTN " + rtn3);

        // a cell measured before GPTQ rows existed (its GPTQ rows removed): only those are measured, from its checkpoint
        LabCell older = grid.cells().get(4);
        Path olderRows = out.resolve("cells").resolve(older.id() + ".csv");
        List<PtqRow> complete = PtqTable.read(olderRows);
        PtqTable.write(olderRows, complete.stream().filter(r -> r.algorithm().equals("rtn")).toList());
        ByteArrayOutputStream partial = new ByteArrayOutputStream();
        ScalingLab.run(grid, corpus, out, older.id(), new PrintStream(partial, true, StandardCharsets.UTF_8));
        String partialLog = partial.toString(StandardCharsets.UTF_8);
        assertTrue(partialLog.contains("15 of 27 measurements done before") && !partialLog.contains(" step "), partialLog);
        assertEquals(complete.stream().map(PtqTable::format).toList(), PtqTable.read(olderRows).stream().map(PtqTable::format).toList());

        // one cell alone, from its checkpoint (rows removed, checkpoint kept): measured again, same numbers
        LabCell one = grid.cells().get(3);
        Files.delete(out.resolve("cells").resolve(one.id() + ".csv"));
        List<PtqRow> after = ScalingLab.run(grid, corpus, out, one.id(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(rows.size(), after.size());
        assertEquals(rows.stream().map(PtqTable::format).sorted().toList(), after.stream().map(PtqTable::format).sorted().toList());

        PrecisionLaw law = PrecisionLaw.fit(rows.stream().filter(r -> r.ptqFormat().equals("int-channel") && r.trainPrecision().equals("fp32")
                && r.algorithm().equals("rtn")).toList(), 20, 1);
        assertTrue(Double.isFinite(law.cT()) && Double.isFinite(law.gammaD()) && Double.isFinite(law.gammaN()) && Double.isFinite(law.gammaPost()), law.toString());
        assertTrue(law.r2() <= 1, law.toString());

        // the README's figures and fits from the same table, through the command line
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ScalingLab.cli(new String[] {"figures", out.resolve("ptq.csv").toString(), "--out", out.resolve("figures").toString()},
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        for (String f : List.of("delta-vs-bits-N", "measured-vs-predicted", "residuals", "robustness-N", "delta-vs-D-N", "gptq-vs-rtn-N")) {
            try (var files = java.nio.file.Files.list(out.resolve("figures"))) {
                assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith(f) && p.toString().endsWith(".png")), f);
            }
        }
        String fits = java.nio.file.Files.readString(out.resolve("figures").resolve("fit.txt"));
        assertTrue(fits.contains("Eq. 2 on the fp32 rows") && fits.contains("across training precisions") && fits.contains("R²"), fits);
        assertTrue(fits.contains("quantized by GPTQ") && fits.contains("3 bits: GPTQ's δ below RTN's in"), fits);
    }

    private static double lossFp(List<PtqRow> rows, Predicate<PtqRow> which) {
        return rows.stream().filter(which).findFirst().orElseThrow().lossFp();
    }

    private static double meanAbsDelta(List<PtqRow> rows, String family, int bits) {
        return rows.stream().filter(r -> r.ptqFormat().equals(family) && r.bits() == bits).mapToDouble(r -> Math.abs(r.delta())).average().orElseThrow();
    }
}
