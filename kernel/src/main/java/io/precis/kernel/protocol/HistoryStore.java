package io.precis.kernel.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.engine.io.AtomicFiles;
import io.precis.kernel.Log;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Executed cells, kept on disk across kernel sessions as JSON lines ({@code history.jsonl}) so
 * {@code history_request} can answer tail, range and search like IPython's history database.
 * Each kernel start takes the next session number under a file lock, so concurrent kernels never share one.
 * If the folder cannot be written the history lives in memory for this session, with one warning.
 *
 * <p>Bounded, so every answer is quick whatever was run: an entry keeps at most {@link #MAX_INPUT} characters
 * of its cell (a longer one ends with a comment saying how long it was) and {@link #MAX_OUTPUT} of its
 * result; when the file passes {@link #MAX_FILE} bytes its newest {@link #KEEP} bytes replace it, atomically.
 * Nothing is held in memory: a tail and a search read the file backwards from its end, as far as they need.
 */
public final class HistoryStore {

    /** One executed cell. {@code output} is its result's text/plain, or null. */
    public record Entry(int session, int line, String input, String output) {}

    static final int MAX_INPUT = 16 * 1024;
    static final int MAX_OUTPUT = 4 * 1024;
    static final long MAX_FILE = 4L << 20;
    static final long KEEP = 2L << 20;
    /** In memory only (an unwritable folder): the newest entries kept. */
    static final int MEMORY_ENTRIES = 10_000;

    private final ObjectMapper json;
    private final Path file;
    private final Path lockFile;
    private final int session;
    private final Deque<Entry> memory = new ArrayDeque<>();
    private boolean persistent;

    public HistoryStore(ObjectMapper json, Path dir) {
        this.json = json;
        this.file = dir == null ? null : dir.resolve("history.jsonl");
        this.lockFile = dir == null ? null : dir.resolve("history.lock");
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
        if (ok) {
            // A file grown by an older version (cells stored whole) is cut down once, before the first request.
            try {
                withLock(() -> {
                    if (Files.size(file) > MAX_FILE) {
                        compact();
                    }
                });
            } catch (NoSuchFileException e) {
                // no history yet
            } catch (IOException | RuntimeException e) {
                Log.warn("cannot compact history %s: %s", file, e.getMessage());
            }
            // A console asks for the last thousand entries as it starts, and waits one second: read them once
            // now, while JShell starts, so the code that answers is compiled and the file is in memory.
            Thread warm = new Thread(() -> tail(1000), "precis-history-warm-up");
            warm.setDaemon(true);
            warm.start();
        }
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

    public synchronized void add(int line, String input, String output) {
        Entry e = new Entry(session, line, cap(input, MAX_INPUT, true), output == null ? null : cap(output, MAX_OUTPUT, false));
        if (!persistent) {
            memory.addLast(e);
            if (memory.size() > MEMORY_ENTRIES) {
                memory.removeFirst();
            }
            return;
        }
        try {
            byte[] bytes = (encode(e) + "\n").getBytes(StandardCharsets.UTF_8);
            withLock(() -> {
                // Under the lock, writing at the end is appending; behind a torn line (a kernel killed
                // mid-write) a new line would be torn too, so it starts on a line of its own.
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
                    long at = ch.size();
                    if (at > 0 && lastByte(ch) != '\n') {
                        at += ch.write(ByteBuffer.wrap(new byte[] {'\n'}), at);
                    }
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    while (b.hasRemaining()) {
                        at += ch.write(b, at);
                    }
                    if (ch.size() > MAX_FILE) {
                        compact();
                    }
                }
            });
        } catch (IOException | RuntimeException ex) {
            Log.warn("history kept in memory from now on: cannot append to %s (%s)", file, ex.getMessage());
            persistent = false;
            memory.addLast(e);
        }
    }

    private static int lastByte(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1);
        ch.read(b, ch.size() - 1);
        return b.get(0);
    }

    /** {@code text} cut to {@code max} characters (never inside a surrogate pair); cells say they were cut. */
    static String cap(String text, int max, boolean cell) {
        if (text.length() <= max) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        String head = text.substring(0, end);
        return cell ? head + "\n// [history keeps the first " + end + " of " + text.length() + " characters of this cell]"
                : head + "…";
    }

    private String encode(Entry e) throws IOException {
        ObjectNode n = json.createObjectNode();
        // session first: range() finds a session's lines by this prefix without parsing the others.
        n.put("session", e.session());
        n.put("line", e.line());
        n.put("input", e.input());
        if (e.output() != null) {
            n.put("output", e.output());
        }
        return json.writeValueAsString(n);
    }

    /** The entry of one line, capped as when written; null for a torn or foreign line. */
    private Entry decode(byte[] line) {
        // A streaming read: a tail of a thousand entries is the first thing a console asks, on a cold JVM.
        try (JsonParser p = json.getFactory().createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            int session = 0;
            int lineNo = 0;
            String input = null;
            String output = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "session" -> session = p.getValueAsInt();
                    case "line" -> lineNo = p.getValueAsInt();
                    case "input" -> input = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "output" -> output = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    default -> p.skipChildren();
                }
            }
            if (input == null) {
                return null;
            }
            // A line capped when written (note included) stays as it is; a longer one (an older version's) is capped.
            return new Entry(session, lineNo, input.length() <= MAX_INPUT + 128 ? input : cap(input, MAX_INPUT, true),
                    output == null || output.length() <= MAX_OUTPUT + 1 ? output : cap(output, MAX_OUTPUT, false));
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Replaces the file by its newest entries, about {@link #KEEP} bytes, each capped, reading from its end
     * no further than those (an older version's 90 MB file with 10 MB cells: once, about a second). Called
     * with the lock held.
     */
    private void compact() throws IOException {
        long t0 = System.nanoTime();
        long cpu0 = cpuNanos();
        long size = Files.size(file);
        List<byte[]> kept = new ArrayList<>();
        long keptBytes = 0;
        try (Backwards lines = new Backwards(file)) {
            byte[] line;
            while (keptBytes < KEEP && (line = lines.next()) != null) {
                Entry e = decode(line);
                if (e == null) {
                    continue;
                }
                byte[] out = encode(e).getBytes(StandardCharsets.UTF_8); // capped as new entries are
                kept.add(out);
                keptBytes += out.length + 1;
            }
        }
        Collections.reverse(kept);
        Path tmp = Files.createTempFile(file.getParent(), ".history", ".tmp");
        try {
            try (OutputStream o = Files.newOutputStream(tmp)) {
                for (byte[] l : kept) {
                    o.write(l);
                    o.write('\n');
                }
            }
            AtomicFiles.moveInto(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
        Log.info("history %s: %d bytes cut to its newest %d entries (%d bytes) in %.0f ms (%.0f ms of CPU)", file, size,
                kept.size(), keptBytes, (System.nanoTime() - t0) / 1e6, (cpuNanos() - cpu0) / 1e6);
    }

    /** CPU time of this thread, for the log: on a busy machine wall time says little. */
    static long cpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private interface IoAction {
        void run() throws IOException;
    }

    /** Appends and compaction of all kernels take turns on a lock file of their own (the history file is replaced). */
    private void withLock(IoAction action) throws IOException {
        try (FileChannel lock = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lock.lock()) {
            action.run();
        }
    }

    /** The last {@code n} cells over all sessions, oldest first. */
    public synchronized List<Entry> tail(int n) {
        return newest(Math.max(0, n), e -> true, false);
    }

    /**
     * Cells {@code start <= line < stop} of a session; a session of 0 or less counts back from this one
     * (0 is this session, -1 the one before), as in IPython. {@code stop} of 0 or less means to the end.
     */
    public synchronized List<Entry> range(int sessionNumber, int start, int stop) {
        int s = sessionNumber <= 0 ? session + sessionNumber : sessionNumber;
        Predicate<Entry> in = e -> e.session() == s && e.line() >= start && (stop <= 0 || e.line() < stop);
        if (!persistent) {
            return memory.stream().filter(in).toList();
        }
        List<Entry> out = new ArrayList<>();
        String prefix = "{\"session\":" + s + ",";
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            while ((line = r.readLine()) != null) {
                // Our own lines start with their session: skip the other sessions' without parsing them.
                if (line.startsWith("{\"session\":") && !line.startsWith(prefix)) {
                    continue;
                }
                Entry e = decode(line.getBytes(StandardCharsets.UTF_8));
                if (e != null && in.test(e)) {
                    out.add(e);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            Log.warn("cannot read history %s: %s", file, e.getMessage());
        }
        return out;
    }

    /** Cells whose input matches a glob ({@code *} and {@code ?}), the newest {@code n} (all if n <= 0), oldest first. */
    public synchronized List<Entry> search(String glob, int n, boolean unique) {
        Pattern p = globToRegex(glob == null || glob.isEmpty() ? "*" : glob);
        return newest(n > 0 ? n : Integer.MAX_VALUE, e -> p.matcher(e.input()).matches(), unique);
    }

    /** Up to {@code n} newest entries that pass {@code keep}, read from the end; oldest first. */
    private List<Entry> newest(int n, Predicate<Entry> keep, boolean unique) {
        List<Entry> out = new ArrayList<>();
        Set<String> seen = unique ? new HashSet<>() : null;
        if (!persistent) {
            for (var it = memory.descendingIterator(); it.hasNext() && out.size() < n; ) {
                Entry e = it.next();
                if (keep.test(e) && (seen == null || seen.add(e.input()))) {
                    out.add(e);
                }
            }
        } else if (n > 0) {
            try (Backwards lines = new Backwards(file)) {
                byte[] line;
                while (out.size() < n && (line = lines.next()) != null) {
                    Entry e = decode(line);
                    if (e != null && keep.test(e) && (seen == null || seen.add(e.input()))) {
                        out.add(e);
                    }
                }
            } catch (NoSuchFileException e) {
                return List.of();
            } catch (IOException e) {
                Log.warn("cannot read history %s: %s", file, e.getMessage());
            }
        }
        Collections.reverse(out);
        return List.copyOf(out);
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

    /** The lines of a file from its end, newest first, without the newline; blank lines skipped. */
    static final class Backwards implements AutoCloseable {
        private static final int CHUNK = 1 << 16;
        private final FileChannel ch;
        /** File position of {@code buf[0]}; {@code buf[0, end)} is what is left to return. */
        private long pos;
        private byte[] buf = new byte[0];
        private int end;

        Backwards(Path file) throws IOException {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            pos = ch.size();
        }

        byte[] next() throws IOException {
            while (true) {
                int nl = end - 1;
                while (nl >= 0 && buf[nl] != '\n') {
                    nl--;
                }
                if (nl < 0 && pos > 0) {
                    more();
                    continue;
                }
                if (nl < 0 && end == 0) {
                    return null;
                }
                byte[] line = java.util.Arrays.copyOfRange(buf, nl + 1, end);
                end = Math.max(nl, 0);
                if (!isBlank(line)) {
                    return line;
                }
            }
        }

        /** Reads the chunk before what is left, at least as long as that: a long line costs linear time. */
        private void more() throws IOException {
            int chunk = (int) Math.min(pos, Math.max(CHUNK, end));
            byte[] b = new byte[chunk + end];
            ByteBuffer into = ByteBuffer.wrap(b, 0, chunk);
            long from = pos - chunk;
            while (into.hasRemaining()) {
                if (ch.read(into, from + into.position()) < 0) {
                    throw new IOException("history file shrank while read");
                }
            }
            System.arraycopy(buf, 0, b, chunk, end);
            buf = b;
            end += chunk;
            pos = from;
        }

        private static boolean isBlank(byte[] line) {
            for (byte b : line) {
                if (b != ' ' && b != '\r' && b != '\t') {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
