package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.language.testkit.CellTester;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad data options and paths are language errors at the option or the path, never accepted silently. */
class DataOptionsCellTest {

    @Test
    void limitsOutOfRangeAreRefusedAtTheOption(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("s.txt");
        Files.writeString(f, "one sentence.\nanother sentence.\n");
        String file = f.toString().replace("\\", "/");
        try (CellTester cells = new CellTester()) {
            for (String bad : new String[] {"-1", "0", "0.5", "1e308"}) {
                String error = cells.run("load dataset \"" + file + "\" options (limit = " + bad + ")").assertFailed("PrecisError");
                assertTrue(error.startsWith("line 1:") && error.contains("limit") && error.contains("whole number"), error);
            }
            cells.run("load dataset \"" + file + "\" options (limit = 1)").assertOk();
            String kind = cells.run("load dataset \"" + file + "\" options (kind = \"pictures\")").assertFailed("PrecisError");
            assertTrue(kind.contains("unknown data kind 'pictures'"), kind);
        }
    }

    @Test
    void aFolderIsSaidToBeAFolder(@TempDir Path dir) {
        try (CellTester cells = new CellTester()) {
            String error = cells.run("load dataset \"" + dir.toString().replace("\\", "/") + "\"").assertFailed("PrecisError");
            assertTrue(error.contains("is a directory"), error);
        }
    }
}
