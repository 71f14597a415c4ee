package io.precis.kernel.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryStoreTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void sessionsAreNumberedAndEntriesPersist(@TempDir Path dir) {
        HistoryStore first = new HistoryStore(json, dir);
        first.add(1, "int a = 1;", null);
        first.add(2, "a + 1", "2");
        HistoryStore second = new HistoryStore(json, dir);
        assertEquals(first.session() + 1, second.session());
        second.add(1, "a * 3", "3");
        List<HistoryStore.Entry> tail = second.tail(3);
        assertEquals(List.of("int a = 1;", "a + 1", "a * 3"), tail.stream().map(HistoryStore.Entry::input).toList());
        assertEquals("2", tail.get(1).output());
        assertNull(tail.get(0).output());
    }

    @Test
    void rangeCountsSessionsBackFromThisOne(@TempDir Path dir) {
        HistoryStore a = new HistoryStore(json, dir);
        a.add(1, "x", null);
        a.add(2, "y", null);
        HistoryStore b = new HistoryStore(json, dir);
        b.add(1, "z", null);
        assertEquals(List.of("y"), b.range(-1, 2, 3).stream().map(HistoryStore.Entry::input).toList());
        assertEquals(List.of("x", "y"), b.range(a.session(), 1, 0).stream().map(HistoryStore.Entry::input).toList());
        assertEquals(List.of("z"), b.range(0, 1, 0).stream().map(HistoryStore.Entry::input).toList());
    }

    @Test
    void searchIsAGlobWithUniqueAndN(@TempDir Path dir) {
        HistoryStore h = new HistoryStore(json, dir);
        h.add(1, "plot(a)", null);
        h.add(2, "print(b)", null);
        h.add(3, "plot(a)", null);
        h.add(4, "plot(c)", null);
        assertEquals(3, h.search("plot*", 0, false).size());
        assertEquals(List.of("plot(a)", "plot(c)"), h.search("plot*", 0, true).stream().map(HistoryStore.Entry::input).toList());
        assertEquals(List.of("plot(c)"), h.search("p?o*", 1, false).stream().map(HistoryStore.Entry::input).toList());
        assertEquals(0, h.search("plot(a", 0, false).size());
    }

    @Test
    void aTornLastLineIsSkipped(@TempDir Path dir) throws Exception {
        HistoryStore h = new HistoryStore(json, dir);
        h.add(1, "kept", null);
        Files.writeString(dir.resolve("history.jsonl"), "{\"session\":1,\"line\":2,\"inp", StandardOpenOption.APPEND);
        HistoryStore again = new HistoryStore(json, dir);
        assertEquals(List.of("kept"), again.tail(10).stream().map(HistoryStore.Entry::input).toList());
    }

    @Test
    void anUnwritableFolderKeepsHistoryInMemory(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("not-a-folder");
        Files.writeString(file, "x");
        HistoryStore h = new HistoryStore(json, file);
        h.add(1, "still works", null);
        assertEquals(1, h.tail(5).size());
    }

    @Test
    void aLongCellIsCappedAndSaysSo(@TempDir Path dir) {
        HistoryStore h = new HistoryStore(json, dir);
        String big = "x".repeat(HistoryStore.MAX_INPUT * 3);
        h.add(1, big, "y".repeat(HistoryStore.MAX_OUTPUT + 10));
        HistoryStore.Entry e = new HistoryStore(json, dir).tail(1).get(0);
        assertTrue(e.input().startsWith("x".repeat(HistoryStore.MAX_INPUT) + "\n// [history keeps the first"), e.input().substring(0, 40));
        assertTrue(e.input().endsWith("of " + big.length() + " characters of this cell]"));
        assertEquals(HistoryStore.MAX_OUTPUT + 1, e.output().length());
    }

    @Test
    void aFileGrownPastItsBoundKeepsItsNewestEntries(@TempDir Path dir) throws Exception {
        // As an older version wrote it: 12 MB, some cells of 1 MB stored whole.
        Path file = dir.resolve("history.jsonl");
        StringBuilder sb = new StringBuilder();
        int lines = 0;
        while (sb.length() < 12_000_000) {
            lines++;
            String input = lines % 1000 == 0 ? "y".repeat(1_000_000) : "cell " + lines + " " + "c".repeat(1000);
            sb.append(json.writeValueAsString(json.createObjectNode().put("session", 1).put("line", lines).put("input", input))).append('\n');
        }
        Files.writeString(file, sb);
        HistoryStore h = new HistoryStore(json, dir);
        long size = Files.size(file);
        assertTrue(size <= HistoryStore.KEEP + 2 * HistoryStore.MAX_INPUT, "compacted to " + size);
        List<HistoryStore.Entry> tail = h.tail(3);
        assertEquals(List.of(lines - 2, lines - 1, lines), tail.stream().map(HistoryStore.Entry::line).toList());
        for (HistoryStore.Entry e : h.tail(100_000)) {
            assertTrue(e.input().length() <= HistoryStore.MAX_INPUT + 128, "entry " + e.line() + " not capped");
        }
        int kept = h.tail(100_000).size();
        assertTrue(kept > 1000 && kept < lines, kept + " of " + lines);
        // Appending goes on behind the compacted entries, and the file stays bounded.
        String cell = "z".repeat(HistoryStore.MAX_INPUT - 10);
        for (int i = 1; i <= 400; i++) {
            h.add(i, cell + i, null);
        }
        assertTrue(Files.size(file) <= HistoryStore.MAX_FILE, "bounded: " + Files.size(file));
        assertTrue(h.tail(1).get(0).input().equals(cell + 400));
        assertEquals(List.of(399, 400), h.range(0, 399, 0).stream().map(HistoryStore.Entry::line).toList());
        assertTrue(h.range(0, 399, 0).get(0).input().equals(cell + 399));
    }

    @Test
    void aNewLineAfterATornOneIsKept(@TempDir Path dir) throws Exception {
        HistoryStore h = new HistoryStore(json, dir);
        h.add(1, "kept", null);
        Files.writeString(dir.resolve("history.jsonl"), "{\"session\":1,\"line\":2,\"inp", StandardOpenOption.APPEND);
        h.add(3, "after", null);
        assertEquals(List.of("kept", "after"), h.tail(10).stream().map(HistoryStore.Entry::input).toList());
    }
}
