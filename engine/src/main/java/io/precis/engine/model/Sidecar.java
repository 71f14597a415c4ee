package io.precis.engine.model;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a model file alone does not say, read from {@code <name>.precis.json} beside it: its task, its input
 * shape, its architecture (for DJL {@code .params}) and, for character models, its vocabulary.
 *
 * <p>The file is checked against its schema when read, so a wrong value is a {@link ModelException} naming
 * the file, the key and what is allowed, never a DJL or libtorch error later: top-level keys
 * {@code architecture} (string), {@code task} (string), {@code input} (1 to 4 integers from 1 to
 * {@value #MAX_INPUT_DIM}), {@code vocabulary} (string), {@code config} (object, checked by
 * {@link io.precis.engine.model.blocks.Architectures}) and {@code trained} (object, free-form notes).
 */
public record Sidecar(String architecture, ModelTask task, int[] input, String vocabulary, JsonNode config) {

    public static final int MAX_INPUT_DIM = 65_536;
    private static final Set<String> KEYS = Set.of("architecture", "task", "input", "vocabulary", "config", "trained");

    public static Path pathFor(Path model) {
        String f = model.getFileName().toString();
        int dot = f.lastIndexOf('.');
        String stem = dot > 0 ? f.substring(0, dot) : f;
        stem = stem.replaceAll("-\\d{4}$", ""); // DJL's epoch suffix: fashion-mlp-0000.params
        return model.resolveSibling(stem + ".precis.json");
    }

    /** The sidecar of a model file, or null if it has none. */
    public static Sidecar read(Path model) {
        Path p = pathFor(model);
        if (!Files.exists(p)) return null;
        String where = p.toString();
        if (!Files.isRegularFile(p)) throw new ModelException(where, "is not a regular file");
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(p.toFile());
        } catch (JacksonException e) {
            throw new ModelException(where, "not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : ""), e);
        } catch (IOException e) {
            throw new ModelException(where, "cannot read model description: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) throw new ModelException(where, "must hold a JSON object {\"architecture\": ..., \"config\": {...}}");
        unknownKeys(n, KEYS, "", where);
        int[] input = null;
        if (n.has("input")) {
            JsonNode in = n.get("input");
            if (!in.isArray() || in.isEmpty() || in.size() > 4)
                throw new ModelException(where, "'input' must be a list of 1 to 4 integers (e.g. [1, 28, 28]), found " + shown(in));
            input = new int[in.size()];
            for (int i = 0; i < input.length; i++) input[i] = integer(in.get(i), "input[" + i + "]", 1, MAX_INPUT_DIM, where);
        }
        String architecture = text(n, "architecture", where);
        String task = text(n, "task", where);
        String vocabulary = text(n, "vocabulary", where);
        if (n.has("config") && !n.get("config").isObject())
            throw new ModelException(where, "'config' must be an object of sizes, found " + shown(n.get("config")));
        if (n.has("trained") && !n.get("trained").isObject())
            throw new ModelException(where, "'trained' must be an object, found " + shown(n.get("trained")));
        return new Sidecar(architecture, task != null ? ModelTask.parse(task, where) : null, input, vocabulary, n.get("config"));
    }

    /** An integer at {@code key} of {@code object}, required, within [min, max]; {@code path} names it in messages. */
    public static int requiredInt(JsonNode object, String key, String path, long min, long max, String where) {
        if (!object.has(key)) throw new ModelException(where, "'" + path + "' is missing: an integer from " + min + " to " + max);
        return integer(object.get(key), path, min, max, where);
    }

    /** The value as an integer within [min, max], or a message naming the key, the range and what was found. */
    public static int integer(JsonNode v, String path, long min, long max, String where) {
        String range = "an integer from " + min + " to " + max;
        if (v == null || !v.isNumber()) throw new ModelException(where, "'" + path + "' must be " + range + ", found " + shown(v));
        // only integer literals; huge ones (beyond a long) fail the range check through their double value
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max)
            throw new ModelException(where, "'" + path + "' must be " + range + ", found " + v.asText());
        return (int) v.asLong();
    }

    /** Keys of {@code object} not in {@code allowed} are an error listing the allowed ones. */
    public static void unknownKeys(JsonNode object, Set<String> allowed, String prefix, String where) {
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) unknown.add(prefix + k);
        }
        if (!unknown.isEmpty())
            throw new ModelException(where, (unknown.size() == 1 ? "unknown key '" + unknown.get(0) + "'" : "unknown keys " + unknown)
                    + "; allowed" + (prefix.isEmpty() ? "" : " in '" + prefix.substring(0, prefix.length() - 1) + "'")
                    + ": " + String.join(", ", new TreeSet<>(allowed)));
    }

    private static String text(JsonNode n, String key, String where) {
        if (!n.has(key) || n.get(key).isNull()) return null;
        if (!n.get(key).isTextual()) throw new ModelException(where, "'" + key + "' must be a string, found " + shown(n.get(key)));
        return n.get(key).asText();
    }

    /** A JSON value as the user wrote it, briefly, with its kind. */
    static String shown(JsonNode v) {
        if (v == null || v.isMissingNode()) return "nothing";
        if (v.isNull()) return "null";
        String kind = v.isTextual() ? "a string" : v.isArray() ? "a list" : v.isObject() ? "an object" : v.isBoolean() ? "a boolean" : "a number";
        String s = v.toString();
        return kind + " " + (s.length() > 40 ? s.substring(0, 40) + "…" : s);
    }
}
