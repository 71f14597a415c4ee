package io.precis.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a model file alone does not say, read from {@code <name>.precis.json} beside it: its task, its input
 * shape, its architecture (for DJL {@code .params}) and, for character models, its vocabulary.
 */
public record Sidecar(String architecture, ModelTask task, int[] input, String vocabulary, JsonNode config) {

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
        if (!Files.isRegularFile(p)) return null;
        try {
            JsonNode n = new ObjectMapper().readTree(p.toFile());
            int[] input = null;
            if (n.has("input")) {
                input = new int[n.get("input").size()];
                for (int i = 0; i < input.length; i++) input[i] = n.get("input").get(i).asInt();
            }
            return new Sidecar(n.path("architecture").asText(null),
                    n.has("task") ? ModelTask.parse(n.get("task").asText(), p.toString()) : null,
                    input, n.path("vocabulary").asText(null), n.path("config"));
        } catch (IOException e) {
            throw new ModelException(p.toString(), "cannot read model description: " + e.getMessage(), e);
        }
    }
}
