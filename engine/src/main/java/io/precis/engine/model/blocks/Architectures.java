package io.precis.engine.model.blocks;

import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.JsonNode;
import io.precis.engine.model.ModelException;

/** The blocks defined in Java that a {@code .params} file can name in its {@code .precis.json}. */
public final class Architectures {
    private Architectures() {}

    public static final String FASHION_MLP = "fashion-mlp";
    public static final String CHAR_TRANSFORMER = "char-transformer";

    public static Block create(String name, JsonNode config, String where) {
        if (name == null) throw new ModelException(where, "no architecture named; a .params file needs a .precis.json "
                + "beside it with \"architecture\": one of " + FASHION_MLP + ", " + CHAR_TRANSFORMER);
        return switch (name) {
            case FASHION_MLP -> new FashionMlp(config.path("hidden1").asInt(256), config.path("hidden2").asInt(128),
                    config.path("classes").asInt(10));
            case CHAR_TRANSFORMER -> new CharTransformer(config.path("vocab").asInt(), config.path("context").asInt(64),
                    config.path("width").asInt(64), config.path("heads").asInt(4), config.path("depth").asInt(2));
            default -> throw new ModelException(where, "unknown architecture '" + name + "'; known: " + FASHION_MLP + ", " + CHAR_TRANSFORMER);
        };
    }
}
