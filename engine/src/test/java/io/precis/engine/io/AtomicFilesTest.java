package io.precis.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @Test
    void writesReplacesAndLeavesNoTemporaryFiles(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("sub/plan.json");
        AtomicFiles.writeString(target, "first");
        AtomicFiles.writeString(target, "second, ü");
        assertEquals("second, ü", Files.readString(target));
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertEquals(1, files.count(), "only the target is left");
        }
        // published like any other file, not with the temporary file's owner-only mode
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
    }

    @Test
    void aFailedWriteLeavesTheOldFileWhole(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("plan.json");
        AtomicFiles.writeString(target, "old");
        Files.createDirectory(dir.resolve("plan.json.d"));
        // the target is a non-empty directory: the move fails, the temp file goes, nothing else changes
        Path blocked = dir.resolve("plan.json.d");
        Files.writeString(blocked.resolve("x"), "x");
        assertThrows(IOException.class, () -> AtomicFiles.writeString(blocked, "new"));
        assertEquals("old", Files.readString(target));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left behind");
        }
    }
}
