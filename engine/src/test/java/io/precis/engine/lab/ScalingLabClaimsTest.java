package io.precis.engine.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How worker processes share a grid: a cell whose claim file exists belongs to another worker and is left alone;
 * a worker releases its claims when its cells are done; the parent clears claims an interrupted run left.
 */
class ScalingLabClaimsTest {

    @Test
    void aClaimedCellIsLeftToItsWorkerAndFinishedClaimsAreReleased(@TempDir Path out) throws Exception {
        LabCorpus corpus = ScalingLabSmallGridTest.corpusOrSkip();
        LabGrid grid = new LabGrid("claims", List.of(LabSize.of(16, 1, 2)), List.of(128L, 320L, 768L), List.of(TrainPrecision.FP32),
                List.of(1L), 16, 4, 1e-2f, 16, 16);
        List<LabCell> cells = grid.cells();
        Path claims = Files.createDirectories(out.resolve("claims"));
        Files.createFile(claims.resolve(cells.get(1).id())); // another worker's

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int before = LabTrainer.cpuThreads(1); // as a worker runs; restored for the tests after this one
        try {
            ScalingLab.work(grid, corpus, out, null, new PrintStream(log, true, StandardCharsets.UTF_8), 2, true);
        } finally {
            if (before > 0) LabTrainer.cpuThreads(before);
        }
        assertTrue(Files.isRegularFile(out.resolve("cells").resolve(cells.get(0).id() + ".csv")));
        assertTrue(Files.isRegularFile(out.resolve("cells").resolve(cells.get(2).id() + ".csv")));
        assertFalse(Files.exists(out.resolve("cells").resolve(cells.get(1).id() + ".csv")), "the claimed cell was not trained here");
        assertFalse(log.toString(StandardCharsets.UTF_8).contains(cells.get(1).id()), "nor mentioned");
        try (var s = Files.list(claims)) {
            assertEquals(List.of(cells.get(1).id()), s.map(p -> p.getFileName().toString()).toList(), "own claims released, the other kept");
        }
        assertEquals(2 * PtqMeasure.standard(grid.group()).size(), ScalingLab.table(grid, out).size());
    }
}
