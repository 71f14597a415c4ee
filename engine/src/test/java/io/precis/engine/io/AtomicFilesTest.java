package io.precis.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void aSymbolicLinkIsFollowedAndItsTargetReplaced(@TempDir Path dir) throws IOException {
        Path real = dir.resolve("real.json");
        Files.writeString(real, "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.json"), Path.of("real.json"));
        Path chain = Files.createSymbolicLink(dir.resolve("chain.json"), link);
        AtomicFiles.writeString(chain, "new");
        assertTrue(Files.isSymbolicLink(link) && Files.isSymbolicLink(chain), "the links stay links");
        assertEquals("new", Files.readString(real));
        assertEquals("new", Files.readString(chain));
        // a dangling link: what it names is created
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.json"), dir.resolve("sub/created.json"));
        AtomicFiles.writeString(dangling, "made");
        assertEquals("made", Files.readString(dir.resolve("sub/created.json")));
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")));
        }
    }

    @Test
    void aLinkLoopIsRefused(@TempDir Path dir) throws IOException {
        Files.createSymbolicLink(dir.resolve("a"), Path.of("b"));
        Files.createSymbolicLink(dir.resolve("b"), Path.of("a"));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(dir.resolve("a"), "x"));
        assertEquals("too many levels of symbolic links", e.getMessage());
    }

    @Test
    void specialFilesAndDirectoriesAreRefusedAndLeftAlone(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        refused(fifo, "not a regular file");
        assertTrue(Files.readAttributes(fifo, java.nio.file.attribute.BasicFileAttributes.class).isOther(), "still a FIFO");
        refused(Files.createSymbolicLink(dir.resolve("to-pipe"), fifo), "not a regular file");
        refused(Files.createSymbolicLink(dir.resolve("to-null"), Path.of("/dev/null")), "not a regular file");
        // as root /dev/full is writable: it must be refused, not replaced (elsewhere it is refused all the same)
        refused(Path.of("/dev/full"), "not a regular file");
        assertFalse(Files.isRegularFile(Path.of("/dev/full")));
        Path sub = Files.createDirectory(dir.resolve("folder"));
        refused(sub, "is a directory");
        assertTrue(Files.isDirectory(sub));
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    private static void refused(Path target, String reason) {
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "x"));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        // the caller puts the path in front: the reason names neither it nor a temporary file
        assertFalse(e.getMessage().contains(target.getFileName().toString()), e.getMessage());
        assertFalse(e.getMessage().contains(".tmp"), e.getMessage());
    }
}
