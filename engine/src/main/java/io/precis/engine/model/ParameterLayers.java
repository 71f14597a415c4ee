package io.precis.engine.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Groups named parameters ({@code conv1.weight}, {@code blocks.0.attn.qkv.bias}) into layers by their module
 * path and guesses each layer's kind from names and shapes, as PyTorch and DJL lay them out ([out, in, ...]).
 */
public final class ParameterLayers {
    private static final Set<String> HEAD_NAMES = Set.of("head", "lm_head", "classifier", "fc_out", "output_layer", "logits", "score");

    private ParameterLayers() {}

    /** A parameter's dotted name, shape and dtype. */
    public record Param(String name, long[] shape, String dtype) {}

    public static List<LayerRef> build(List<Param> params) {
        Map<String, List<Param>> groups = new LinkedHashMap<>();
        for (Param p : params) {
            int dot = p.name().lastIndexOf('.');
            String layer = dot > 0 ? p.name().substring(0, dot) : p.name();
            groups.computeIfAbsent(layer, k -> new ArrayList<>()).add(p);
        }
        List<LayerRef> layers = new ArrayList<>();
        groups.forEach((layer, ps) -> {
            String leaf = layer.substring(layer.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
            String lower = layer.toLowerCase(Locale.ROOT);
            Param main = ps.stream().filter(p -> leafOf(p.name()).equals("weight")).findFirst().orElse(ps.get(0));
            int rank = main.shape().length;
            LayerKind kind;
            if (rank >= 3) kind = LayerKind.CONV;
            else if (rank == 2 && (lower.contains("emb") || leaf.contains("position") || leaf.equals("wte") || leaf.equals("wpe")))
                kind = LayerKind.EMBEDDING;
            else if (rank == 2) kind = HEAD_NAMES.contains(leaf) ? LayerKind.HEAD : LayerKind.LINEAR;
            else if (lower.contains("norm") || leaf.startsWith("ln") || leaf.startsWith("bn")) kind = LayerKind.NORM;
            else kind = LayerKind.OTHER;
            List<TensorRef> tensors = new ArrayList<>();
            for (Param p : ps) {
                String leafName = leafOf(p.name()).toLowerCase(Locale.ROOT);
                TensorRef.Role role = p == main ? TensorRef.Role.WEIGHT
                        : leafName.contains("bias") || leafName.equals("beta") ? TensorRef.Role.BIAS : TensorRef.Role.OTHER;
                tensors.add(new TensorRef(p.name(), role, p.shape(), p.dtype(), 0));
            }
            layers.add(new LayerRef(layer, kind, tensors));
        });
        return layers;
    }

    private static String leafOf(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }
}
