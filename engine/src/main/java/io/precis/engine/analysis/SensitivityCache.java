package io.precis.engine.analysis;

import io.precis.engine.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sensitivity scores by (model hash, data, metric, format text, seed, layer): in memory for the session, and
 * optionally on disk, one small JSON file per model and data under the cache directory, rewritten atomically
 * (temp file + move) after each new score. A score read from disk was measured by the same code version
 * ({@link #VERSION} is part of every key).
 */
public final class SensitivityCache {
    /** Bumped whenever the way a score is computed changes, so older disk entries are not read. */
    static final int VERSION = 1;

    private static final SensitivityCache SHARED = new SensitivityCache(defaultDirectory());

    private final Path directory; // null: memory only
    private final Map<String, Double> memory = new ConcurrentHashMap<>();
    private final Set<String> loadedFiles = new HashSet<>();
    private final ObjectMapper json = new ObjectMapper();

    private SensitivityCache(Path directory) {
        this.directory = directory;
    }

    /**
     * The session's cache: memory, plus disk under {@code $PRECIS_CACHE_DIR}, else
     * {@code $XDG_CACHE_HOME/precis/sensitivity}, else {@code ~/.cache/precis/sensitivity}; memory only when
     * the system property {@code precis.cache} or the variable {@code PRECIS_CACHE} is {@code off}.
     */
    public static SensitivityCache shared() {
        return SHARED;
    }

    public static SensitivityCache inMemory() {
        return new SensitivityCache(null);
    }

    public static SensitivityCache onDisk(Path directory) {
        return new SensitivityCache(directory);
    }

    /** The disk directory, or null when this cache lives in memory only. */
    public Path directory() {
        return directory;
    }

    static Path defaultDirectory() {
        String off = System.getProperty("precis.cache", System.getenv("PRECIS_CACHE"));
        if ("off".equalsIgnoreCase(off)) return null;
        String dir = System.getenv("PRECIS_CACHE_DIR");
        if (dir != null && !dir.isBlank()) return Path.of(dir, "sensitivity");
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("precis").resolve("sensitivity");
    }

    /**
     * What a score depends on.
     *
     * @param data the data's content hash with the sample choice (count, seed, batch), or "-" for data-free metrics
     */
    public record Key(String modelHash, String data, SensitivityMetric metric, String format, long seed, String layer) {
        String text() {
            return "v" + VERSION + "|" + metric.keyword() + "|" + format + "|" + seed + "|" + layer;
        }

        String file() {
            return sha256(modelHash + "|" + data).substring(0, 32) + ".json";
        }
    }

    public OptionalDouble get(Key key) {
        Double v = memory.get(full(key));
        if (v == null && directory != null) {
            load(key);
            v = memory.get(full(key));
        }
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    public void put(Key key, double value) {
        memory.put(full(key), value);
    }

    /** Writes the scores of this key's model and data to disk (no-op in memory); failures to write are not fatal. */
    public synchronized void flush(Key key) {
        if (directory == null) return;
        String prefix = key.modelHash() + "|" + key.data() + "|";
        ObjectNode root = json.createObjectNode();
        root.put("precis", "sensitivity-cache");
        root.put("model", key.modelHash());
        root.put("data", key.data());
        ObjectNode values = root.putObject("values");
        memory.forEach((k, v) -> {
            if (k.startsWith(prefix)) values.put(k.substring(prefix.length()), Double.toString(v));
        });
        try {
            AtomicFiles.writeString(directory.resolve(key.file()), json.writeValueAsString(root));
        } catch (IOException e) {
            // a cache that cannot be written only costs time later; the scores stay in memory
        }
    }

    private synchronized void load(Key key) {
        String file = key.file();
        if (!loadedFiles.add(file)) return;
        Path p = directory.resolve(file);
        if (!Files.isRegularFile(p)) return;
        try {
            JsonNode root = json.readTree(p.toFile());
            if (!key.modelHash().equals(root.path("model").asText()) || !key.data().equals(root.path("data").asText())) return;
            String prefix = key.modelHash() + "|" + key.data() + "|";
            root.path("values").properties().forEach(e -> {
                try {
                    memory.putIfAbsent(prefix + e.getKey(), Double.parseDouble(e.getValue().asText()));
                } catch (NumberFormatException ignored) {
                    // a damaged entry is recomputed
                }
            });
        } catch (IOException | RuntimeException e) {
            // an unreadable cache file is ignored and rewritten on the next flush
        }
    }

    private static String full(Key k) {
        return k.modelHash() + "|" + k.data() + "|" + k.text();
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Scores held in memory (for tests and reports). */
    public int size() {
        return memory.size();
    }

    /** Forgets everything in memory (the disk files stay). */
    public void clear() {
        memory.clear();
        synchronized (this) {
            loadedFiles.clear();
        }
    }

    @Override
    public String toString() {
        return "sensitivity cache (" + memory.size() + " scores" + (directory == null ? ", memory only)" : ", disk " + directory + ")");
    }

    static Map<String, Double> snapshot(SensitivityCache c) {
        return new HashMap<>(c.memory);
    }
}
