package io.precis.kernel.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
}
