package io.precis.engine.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grids narrowed to other seeds and training precisions, and the table of a folder that holds cells of several. */
class LabGridTest {

    @Test
    void seedsAndPrecisionsReplaceTheGrids() throws Exception {
        LabGrid full = LabGrid.full();
        assertEquals(75, full.cells().size());
        LabGrid seed2 = full.with(List.of(2L), List.of(TrainPrecision.FP32));
        assertEquals(15, seed2.cells().size());
        assertTrue(seed2.cells().stream().allMatch(c -> c.id().endsWith("-fp32-s2")), seed2.cells().toString());
        assertEquals(full.cells().get(0).steps(), seed2.cells().get(0).steps(), "same sizes, budgets and schedule");
        assertEquals(150, full.with(List.of(1L, 2L), null).cells().size());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ScalingLab.cli(new String[] {"list", "--grid", "full", "--seeds", "2,3", "--precisions", "fp32,qat-int4"}, new PrintStream(out, true, StandardCharsets.UTF_8));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(60, lines.size());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("w96l3-D3200000-qat-int4-s3 ")), lines.toString());
        String bad = assertThrows(IllegalArgumentException.class,
                () -> ScalingLab.cli(new String[] {"list", "--grid", "full", "--seeds", "two"}, new PrintStream(new ByteArrayOutputStream()))).getMessage();
        assertTrue(bad.contains("--seeds") && bad.contains("two"), bad);
        String badP = assertThrows(IllegalArgumentException.class,
                () -> ScalingLab.cli(new String[] {"list", "--grid", "full", "--precisions", "fp33"}, new PrintStream(new ByteArrayOutputStream()))).getMessage();
        assertTrue(badP.contains("fp33"), badP);
    }

    @Test
    void aFoldersTableHoldsEveryCellItHas(@TempDir Path out) throws Exception {
        LabGrid seed2 = LabGrid.small().with(List.of(2L), List.of(TrainPrecision.FP32));
        LabCell mine = seed2.cells().get(0), other = LabGrid.small().cells().get(0);
        PtqRow a = new PtqRow(1, 2, "fp32", "int-channel", 3, "rtn", 2, 3.0, 3.1), b = new PtqRow(1, 2, "fp32", "int-channel", 3, "rtn", 1, 3.0, 3.2);
        Files.createDirectories(out.resolve("cells"));
        PtqTable.write(out.resolve("cells").resolve(mine.id() + ".csv"), List.of(a));
        PtqTable.write(out.resolve("cells").resolve(other.id() + ".csv"), List.of(b));
        assertEquals(List.of(a, b), ScalingLab.table(seed2, out), "the grid's cells first, then the folder's others");
        assertEquals(List.of(a, b), PtqTable.read(out.resolve("ptq.csv")));
    }
}
