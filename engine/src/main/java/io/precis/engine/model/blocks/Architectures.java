package io.precis.engine.model.blocks;

import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.JsonNode;
import io.precis.engine.model.ModelException;
import io.precis.engine.model.Sidecar;
import java.util.Locale;
import java.util.Set;

/**
 * The blocks defined in Java that a {@code .params} file can name in its {@code .precis.json}. Each
 * architecture's {@code config} is checked against its schema (every key required, integers in range, no
 * unknown keys, a head count that divides the width, a bounded parameter count) before anything is allocated.
 */
public final class Architectures {
    private Architectures() {}

    public static final String FASHION_MLP = "fashion-mlp";
    public static final String CHAR_TRANSFORMER = "char-transformer";

    /** More parameters than this (8 GiB of float32) is taken for a mistake in the description, not a model. */
    public static final long MAX_PARAMETERS = 1L << 31;
    private static final int MAX_SIZE = 65_536;
    private static final int MAX_VOCAB = 1_114_112; // one entry per Unicode code point, at most

    private static final Set<String> MLP_KEYS = Set.of("hidden1", "hidden2", "classes");
    private static final Set<String> LM_KEYS = Set.of("vocab", "context", "width", "heads", "depth");

    /** The block an architecture and its config describe; {@code where} (the .precis.json) names any error. */
    public static Block create(String name, JsonNode config, String where) {
        return switch (checked(name, config, where)) {
            case FASHION_MLP -> new FashionMlp(config.get("hidden1").asInt(), config.get("hidden2").asInt(), config.get("classes").asInt());
            case CHAR_TRANSFORMER -> new CharTransformer(config.get("vocab").asInt(), config.get("context").asInt(),
                    config.get("width").asInt(), config.get("heads").asInt(), config.get("depth").asInt());
            default -> throw new IllegalStateException(name);
        };
    }

    /**
     * The number of parameters the described block holds, after checking the config; {@code input} is the
     * sidecar's input shape (images), or null.
     */
    public static long parameterCount(String name, JsonNode config, int[] input, String where) {
        long count = switch (checked(name, config, where)) {
            case FASHION_MLP -> {
                long in = 1;
                if (input != null) for (int d : input) in *= d;
                else in = 28 * 28;
                long h1 = config.get("hidden1").asLong(), h2 = config.get("hidden2").asLong(), c = config.get("classes").asLong();
                yield in * h1 + h1 + h1 * h2 + h2 + h2 * c + c;
            }
            case CHAR_TRANSFORMER -> {
                long v = config.get("vocab").asLong(), t = config.get("context").asLong(), w = config.get("width").asLong();
                long depth = config.get("depth").asLong();
                long layer = 2 * (2 * w) + (w * 3 * w + 3 * w) + (w * w + w) + (w * 4 * w + 4 * w) + (4 * w * w + w);
                yield v * w + t * w + depth * layer + 2 * w + (w * v + v);
            }
            default -> throw new IllegalStateException(name);
        };
        if (count > MAX_PARAMETERS)
            throw new ModelException(where, String.format(Locale.ROOT, "'config' describes %,d parameters (%.1f GiB as float32); "
                    + "at most %,d are accepted. Check the sizes.", count, count * 4.0 / (1L << 30), MAX_PARAMETERS));
        return count;
    }

    /** Checks the name and the config against the architecture's schema; returns the name. */
    private static String checked(String name, JsonNode config, String where) {
        if (name == null) throw new ModelException(where, "no architecture named; a .params file needs a .precis.json "
                + "beside it with \"architecture\": one of " + FASHION_MLP + ", " + CHAR_TRANSFORMER);
        switch (name) {
            case FASHION_MLP -> {
                JsonNode c = config(config, MLP_KEYS, "{\"hidden1\": 256, \"hidden2\": 128, \"classes\": 10}", where);
                Sidecar.requiredInt(c, "hidden1", "config.hidden1", 1, MAX_SIZE, where);
                Sidecar.requiredInt(c, "hidden2", "config.hidden2", 1, MAX_SIZE, where);
                Sidecar.requiredInt(c, "classes", "config.classes", 1, MAX_SIZE, where);
            }
            case CHAR_TRANSFORMER -> {
                JsonNode c = config(config, LM_KEYS, "{\"vocab\": 84, \"context\": 64, \"width\": 64, \"heads\": 4, \"depth\": 2}", where);
                Sidecar.requiredInt(c, "vocab", "config.vocab", 2, MAX_VOCAB, where);
                Sidecar.requiredInt(c, "context", "config.context", 1, MAX_SIZE, where);
                int width = Sidecar.requiredInt(c, "width", "config.width", 1, MAX_SIZE, where);
                int heads = Sidecar.requiredInt(c, "heads", "config.heads", 1, width, where);
                Sidecar.requiredInt(c, "depth", "config.depth", 1, 1024, where);
                if (width % heads != 0)
                    throw new ModelException(where, "'config.heads' (" + heads + ") must divide 'config.width' (" + width + ")");
            }
            default -> throw new ModelException(where, "unknown architecture '" + name + "'; known: " + FASHION_MLP + ", " + CHAR_TRANSFORMER);
        }
        return name;
    }

    private static JsonNode config(JsonNode config, Set<String> keys, String example, String where) {
        if (config == null || config.isMissingNode() || config.isNull())
            throw new ModelException(where, "'config' is missing: the architecture's sizes, e.g. \"config\": " + example);
        if (!config.isObject()) throw new ModelException(where, "'config' must be an object, e.g. " + example);
        Sidecar.unknownKeys(config, keys, "config.", where);
        return config;
    }
}
