package io.precis.engine.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PtqTableTest {

    @Test
    void roundTripsRowsAsObjects(@TempDir Path dir) throws IOException {
        List<PtqRow> rows = List.of(new PtqRow(97_600, 300_000, "qat-int4", "int-g32", 3, "rtn", 1, 2.5, 2.75),
                new PtqRow(3376, 128, "fp32", "fp", 8, "rtn", 2, 5.25, 5.25));
        Path f = dir.resolve("ptq.csv");
        PtqTable.write(f, rows);
        assertTrue(Files.readString(f).startsWith(PtqTable.HEADER + "\n"));
        assertEquals(rows, PtqTable.read(f));
        assertEquals(0.25, PtqTable.read(f).get(0).delta(), 1e-12);
    }

    @Test
    void badLinesAreNamedByFileAndLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, PtqTable.HEADER + "\n1,2,fp32,int-channel,x,rtn,1,2.0,2.1\n");
        IOException e = assertThrows(IOException.class, () -> PtqTable.read(f));
        assertTrue(e.getMessage().contains("bad.csv:2: not a number"), e.getMessage());
        Files.writeString(f, "N,D\n");
        e = assertThrows(IOException.class, () -> PtqTable.read(f));
        assertTrue(e.getMessage().contains("bad.csv:1: expected the header"), e.getMessage());
    }
}
