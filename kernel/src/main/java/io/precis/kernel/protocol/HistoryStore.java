package io.precis.kernel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.kernel.Log;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Executed cells, kept on disk across kernel sessions as JSON lines ({@code history.jsonl}) so
 * {@code history_request} can answer tail, range and search like IPython's history database.
 * Each kernel start takes the next session number under a file lock, so concurrent kernels never share one.
 * If the folder cannot be written the history lives in memory for this session, with one warning.
 */
public final class HistoryStore {

    /** One executed cell. {@code output} is its result's text/plain, or null. */
    public record Entry(int session, int line, String input, String output) {}

    private final ObjectMapper json;
    private final Path file;
    private final int session;
    private final List<Entry> entries = new ArrayList<>();
    private boolean loaded;
    private boolean persistent;

    public HistoryStore(ObjectMapper json, Path dir) {
        this.json = json;
        this.file = dir == null ? null : dir.resolve("history.jsonl");
        int s = 1;
        boolean ok = false;
        if (dir != null) {
            try {
                s = nextSession(dir);
                ok = true;
            } catch (IOException | RuntimeException e) {
                Log.warn("history kept in memory only: cannot use %s (%s)", dir, e.getMessage());
            }
        }
        this.session = s;
        this.persistent = ok;
    }

    /** The default folder: $PRECIS_HISTORY_DIR, else $XDG_DATA_HOME/precis, else ~/.local/share/precis. */
    public static Path defaultDir() {
        String explicit = System.getenv("PRECIS_HISTORY_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("precis");
    }

    private static int nextSession(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path counter = dir.resolve("session");
        try (FileChannel lockChannel = FileChannel.open(dir.resolve("session.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockChannel.lock()) {
            int last = 0;
            if (Files.exists(counter)) {
                String text = Files.readString(counter).strip();
                last = text.isEmpty() ? 0 : Integer.parseInt(text);
            }
            int next = last + 1;
            Path tmp = Files.createTempFile(dir, "session", ".tmp");
            Files.writeString(tmp, Integer.toString(next));
            Files.move(tmp, counter, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return next;
        }
    }

    public int session() {
        return session;
    }

    private void load() {
        if (loaded) {
            return;
        }
        loaded = true;
        if (!persistent || !Files.exists(file)) {
            return;
        }
        List<Entry> old = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode n = json.readTree(line);
                    old.add(new Entry(n.path("session").asInt(), n.path("line").asInt(), n.path("input").asText(),
                            n.hasNonNull("output") ? n.get("output").asText() : null));
                } catch (IOException e) {
                    // A torn last line from a killed kernel: skip it, keep the rest.
                }
            }
        } catch (IOException e) {
            Log.warn("cannot read history %s: %s", file, e.getMessage());
        }
        entries.addAll(0, old);
    }

    public synchronized void add(int line, String input, String output) {
        load();
        Entry e = new Entry(session, line, input, output);
        entries.add(e);
        if (!persistent) {
            return;
        }
        ObjectNode n = json.createObjectNode();
        n.put("session", e.session());
        n.put("line", e.line());
        n.put("input", e.input());
        if (output != null) {
            n.put("output", output);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
             FileLock ignored = ch.lock()) {
            // One write per line under a lock: concurrent kernels append whole lines only.
            ch.write(java.nio.ByteBuffer.wrap((json.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException ex) {
            Log.warn("history kept in memory from now on: cannot append to %s (%s)", file, ex.getMessage());
            persistent = false;
        }
    }

    /** The last {@code n} cells over all sessions, oldest first. */
    public synchronized List<Entry> tail(int n) {
        load();
        int from = Math.max(0, entries.size() - Math.max(0, n));
        return List.copyOf(entries.subList(from, entries.size()));
    }

    /**
     * Cells {@code start <= line < stop} of a session; a session of 0 or less counts back from this one
     * (0 is this session, -1 the one before), as in IPython. {@code stop} of 0 or less means to the end.
     */
    public synchronized List<Entry> range(int sessionNumber, int start, int stop) {
        load();
        int s = sessionNumber <= 0 ? session + sessionNumber : sessionNumber;
        return entries.stream()
                .filter(e -> e.session() == s && e.line() >= start && (stop <= 0 || e.line() < stop))
                .toList();
    }

    /** Cells whose input matches a glob ({@code *} and {@code ?}), the newest {@code n} (all if n <= 0), oldest first. */
    public synchronized List<Entry> search(String glob, int n, boolean unique) {
        load();
        Pattern p = globToRegex(glob == null || glob.isEmpty() ? "*" : glob);
        List<Entry> hits = new ArrayList<>();
        for (Entry e : entries) {
            if (p.matcher(e.input()).matches()) {
                hits.add(e);
            }
        }
        if (unique) {
            Map<String, Entry> latest = new LinkedHashMap<>();
            for (Entry e : hits) {
                latest.remove(e.input());
                latest.put(e.input(), e);
            }
            hits = new ArrayList<>(latest.values());
        }
        if (n > 0 && hits.size() > n) {
            hits = hits.subList(hits.size() - n, hits.size());
        }
        return List.copyOf(hits);
    }

    static Pattern globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
