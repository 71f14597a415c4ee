package io.precis.language;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.engine.export.ResultJson;

/**
 * What {@code as name} bound in a session, as one JSON document: the {@code results} of a headless run
 * ({@code precis run ... -> results.json}), which {@code --fail-if} gates read.
 *
 * <pre>{@code
 * {"precis": "results", "version": 1,
 *  "results": {"best": {"type": "plan", "effective_bits": 4.37, "measured": 0.012, ...},
 *              "ev": {"type": "evaluation", "metric": "kl", "value": 0.004, "change": -0.01, ...}}}
 * }</pre>
 */
public final class Results {

    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Results() {}

    /** The session's bound results as JSON (compact, one line). */
    public static String json(PrecisSession session) {
        ObjectNode root = JSON.createObjectNode();
        root.put("precis", "results");
        root.put("version", VERSION);
        ObjectNode results = root.putObject("results");
        for (PrecisSession.Bound b : session.bound()) {
            results.set(b.name(), of(b.value(), b));
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot write the results as JSON: " + e.getMessage(), e);
        }
    }

    private static JsonNode of(Object value, PrecisSession.Bound b) {
        if (value instanceof LayerTable t) {
            return JSON.createObjectNode().put("type", "layers").put("model", t.model()).put("layers", t.layers().size())
                    .put("params", t.params());
        }
        return ResultJson.of(value, b.frontier());
    }
}
