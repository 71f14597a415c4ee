package io.precis.engine.export;

import io.precis.engine.io.AtomicFiles;
import io.precis.engine.io.WriteFailed;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * A plan as JSON, with its provenance: the model (name, source, SHA-256 of its file), every layer's format in
 * the formats' text form (what {@link Formats#parse} reads), bits per weight, the deciding rule, and the
 * sensitivity shown. Written atomically (temp file in the same directory, then a move); read back against
 * a loaded model, which must be the same model (same hash) with the same layers.
 *
 * <pre>{@code
 * {"precis": "plan", "version": 1, "model": {"name": ..., "source": ..., "sha256": ...},
 *  "effective_bits": 4.37, "quantized_bits": 4.04, "size_bytes": ..., "full_precision_bytes": ...,
 *  "sensitivity": "Δloss on calib (256 samples, seed 0)", "created": "2025-...Z",
 *  "layers": [{"name": "encoder.layer.0.attention.self.query", "kind": "linear", "format": "int4",
 *              "bits": 4.0417, "params": 147840, "decided_by": "rule 1 (line 4): ...", "sensitivity": 0.0012}, ...],
 *  "idle_rules": [...]}
 * }</pre>
 */
public final class PlanJson {
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private PlanJson() {}

    /** The plan as a JSON document (pretty-printed). */
    public static String toJson(Plan plan, Model model) {
        ObjectNode root = JSON.createObjectNode();
        root.put("precis", "plan");
        root.put("version", VERSION);
        ObjectNode m = root.putObject("model");
        m.put("name", model.name());
        m.put("source", model.source());
        m.put("sha256", model.modelHash());
        root.put("effective_bits", plan.effectiveBits());
        root.put("quantized_bits", plan.quantizedBits());
        root.put("size_bytes", plan.sizeBytes());
        root.put("full_precision_bytes", plan.fullPrecisionBytes());
        root.put("sensitivity", plan.sensitivityNote());
        root.put("created", Instant.now().toString());
        ArrayNode layers = root.putArray("layers");
        for (LayerPlan l : plan.layers()) {
            ObjectNode n = layers.addObject();
            n.put("name", l.name());
            n.put("kind", l.layer().kind().label());
            if (l.isQuantized()) n.put("format", l.format().toString());
            else n.putNull("format");
            if (l.isQuantized() && l.algorithm().needsCalibration()) n.put("algorithm", l.algorithm().describe());
            if (l.isPruned()) n.put("sparsity", l.sparsity().toString());
            n.put("bits", l.bits());
            n.put("params", l.weightParams());
            n.put("decided_by", l.decidedBy());
            if (l.sensitivity().isPresent() && Double.isFinite(l.sensitivity().getAsDouble())) n.put("sensitivity", l.sensitivity().getAsDouble());
        }
        ArrayNode idle = root.putArray("idle_rules");
        plan.idleRules().forEach(r -> idle.add(r.label()));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the plan as JSON: " + e.getMessage(), e);
        }
    }

    /** Writes the plan to {@code file} atomically; the directory must exist. */
    public static void write(Plan plan, Model model, Path file) {
        String text = toJson(plan, model);
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new WriteFailed(file, "its directory does not exist", null);
        try {
            AtomicFiles.writeString(abs, text);
        } catch (IOException e) {
            throw new WriteFailed(file, e.getMessage(), e);
        }
    }

    /** Reads a plan written by {@link #write} for this model; errors name the file and what does not match. */
    public static Plan read(Path file, Model model) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not a readable JSON plan (" + e.getMessage() + ")", e);
        }
        return fromJson(root, model, file.toString());
    }

    public static Plan fromJson(String json, Model model) {
        try {
            return fromJson(JSON.readTree(json), model, "plan JSON");
        } catch (IOException e) {
            throw new IllegalArgumentException("plan JSON: not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    private static Plan fromJson(JsonNode root, Model model, String where) {
        if (root == null || !"plan".equals(root.path("precis").asText()))
            throw new IllegalArgumentException(where + ": not a Precis plan (no \"precis\": \"plan\")");
        int version = root.path("version").asInt(-1);
        if (version != VERSION) throw new IllegalArgumentException(where + ": plan format version " + version + "; this Precis reads " + VERSION);
        String hash = root.path("model").path("sha256").asText();
        if (!hash.equals(model.modelHash()))
            throw new IllegalArgumentException(where + ": written for model " + root.path("model").path("name").asText() + " (sha256 "
                    + abbreviate(hash) + "), not " + model.name() + " (sha256 " + abbreviate(model.modelHash()) + ")");
        JsonNode layers = root.path("layers");
        if (!layers.isArray()) throw new IllegalArgumentException(where + ": no \"layers\" list");
        List<LayerPlan> out = new ArrayList<>();
        java.util.Set<String> named = new java.util.HashSet<>();
        for (int i = 0; i < layers.size(); i++) {
            JsonNode n = layers.get(i);
            String name = n.path("name").asText(null);
            if (name == null) throw new IllegalArgumentException(where + ": layer " + i + " has no name");
            LayerRef l;
            try {
                l = model.layer(name);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(where + ": layer " + i + ": " + e.getMessage(), e);
            }
            named.add(name);
            Format f = null;
            if (n.hasNonNull("format")) {
                try {
                    f = Formats.parse(n.get("format").asText());
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(where + ": layer " + name + ": " + e.getMessage(), e);
                }
            }
            OptionalDouble sens = n.hasNonNull("sensitivity") ? OptionalDouble.of(n.get("sensitivity").asDouble()) : OptionalDouble.empty();
            // the algorithm's word; its options are the defaults (the file states them for people)
            io.precis.engine.algo.QuantAlgorithm alg = n.has("algorithm")
                    ? io.precis.engine.algo.QuantAlgorithm.of(n.get("algorithm").asText().split(" ")[0]) : null;
            io.precis.engine.algo.Sparsity sparsity = null;
            if (n.hasNonNull("sparsity")) {
                try {
                    sparsity = sparsity(n.get("sparsity").asText());
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(where + ": layer " + name + ": sparsity " + e.getMessage(), e);
                }
            }
            out.add(new LayerPlan(l, f, n.path("decided_by").asText(f == null ? "full precision" : "plan file"), sens, alg, sparsity));
        }
        for (LayerRef l : model.layers())
            if (!named.contains(l.name())) throw new IllegalArgumentException(where + ": layer " + l.name() + " of " + model.name() + " is missing");
        // idle rules are kept as text: the rules themselves (patterns, conditions) are not part of the file
        return new Plan(model.name(), out, List.of(), root.path("sensitivity").asText(""));
    }

    /** "50%" or "2:4", as {@link io.precis.engine.algo.Sparsity#toString} writes it. */
    private static io.precis.engine.algo.Sparsity sparsity(String text) {
        int colon = text.indexOf(':');
        if (colon > 0) {
            return io.precis.engine.algo.Sparsity.semiStructured(Integer.parseInt(text.substring(0, colon)),
                    Integer.parseInt(text.substring(colon + 1)));
        }
        if (!text.endsWith("%")) throw new IllegalArgumentException("'" + text + "' is neither N% nor N:M");
        return io.precis.engine.algo.Sparsity.unstructured(Double.parseDouble(text.substring(0, text.length() - 1)) / 100);
    }

    private static String abbreviate(String hash) {
        return hash.length() > 12 ? hash.substring(0, 12) : hash;
    }
}
