package io.precis.engine.model.onnx;

import ai.onnx.proto.OnnxMl;
import io.precis.engine.model.LayerKind;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.TensorRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds an ONNX model's layer table by walking its graph: each float initializer is named by the scope of
 * the node that consumes it ({@code /encoder/layer.0/attention/self/query/MatMul} gives
 * {@code encoder.layer.0.attention.self.query}), so exporter names like {@code onnx::MatMul_798} never show.
 */
final class OnnxLayers {
    private OnnxLayers() {}

    private static final Set<String> NORM_OPS = Set.of("LayerNormalization", "BatchNormalization",
            "InstanceNormalization", "GroupNormalization", "SimplifiedLayerNormalization", "SkipLayerNormalization", "RMSNormalization");
    static final Set<String> PASS_THROUGH = Set.of("Identity", "Cast", "Transpose", "Reshape", "DequantizeLinear");

    static String dtype(int dataType) {
        return switch (dataType) {
            case 1 -> "float32";
            case 10 -> "float16";
            case 16 -> "bfloat16";
            case 11 -> "float64";
            default -> null; // integers, strings, bools: not weights
        };
    }

    static List<LayerRef> build(OnnxMl.GraphProto g) {
        Map<String, OnnxMl.TensorProto> inits = new LinkedHashMap<>();
        for (OnnxMl.TensorProto t : g.getInitializerList())
            if (dtype(t.getDataType()) != null) inits.put(t.getName(), t);

        Map<String, List<OnnxMl.NodeProto>> consumers = new HashMap<>();
        Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            for (String out : n.getOutputList()) producer.put(out, n);
        }
        Set<String> graphOutputs = new HashSet<>();
        g.getOutputList().forEach(o -> graphOutputs.add(o.getName()));

        Map<String, Integer> opCounts = new HashMap<>();
        Map<OnnxMl.NodeProto, String> anonymous = new HashMap<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            if (scopeOf(n) == null) {
                int i = opCounts.merge(n.getOpType(), 1, Integer::sum) - 1;
                anonymous.put(n, n.getOpType().toLowerCase(Locale.ROOT) + "_" + i);
            }
        }

        record Use(OnnxMl.NodeProto node, int inputIndex) {}
        // scope -> tensors, in the order the graph first uses them
        Map<String, List<TensorRef>> groups = new LinkedHashMap<>();
        Map<String, LayerKind> kinds = new HashMap<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            for (int i = 0; i < n.getInputCount(); i++) {
                String in = n.getInput(i);
                OnnxMl.TensorProto init = inits.remove(in);
                if (init == null) continue;
                Use use = new Use(n, i);
                // follow pass-through nodes (Identity, Cast...) to the node that really uses the tensor
                for (int hop = 0; hop < 3 && PASS_THROUGH.contains(use.node.getOpType()) && use.node.getOutputCount() == 1; hop++) {
                    List<OnnxMl.NodeProto> next = consumers.getOrDefault(use.node.getOutput(0), List.of());
                    if (next.size() != 1) break;
                    OnnxMl.NodeProto nx = next.get(0);
                    use = new Use(nx, nx.getInputList().indexOf(use.node.getOutput(0)));
                }
                OnnxMl.NodeProto node = use.node;
                String op = node.getOpType();
                String scope = scopeOf(node);
                if (scope == null) scope = nameFromInitializer(init.getName());
                if (scope == null) scope = anonymous.get(node);
                long[] shape = init.getDimsList().stream().mapToLong(Long::longValue).toArray();
                String lowerName = init.getName().toLowerCase(Locale.ROOT);
                String lowerScope = scope.toLowerCase(Locale.ROOT);

                LayerKind kind;
                TensorRef.Role role;
                int channelAxis = 0;
                if ((op.equals("MatMul") || op.equals("Gemm")) && use.inputIndex == 1 && shape.length == 2) {
                    kind = feedsOutput(node, consumers, graphOutputs) ? LayerKind.HEAD : LayerKind.LINEAR;
                    role = TensorRef.Role.WEIGHT;
                    // MatMul B is [in, out]; Gemm B is [out, in] when transB=1
                    channelAxis = op.equals("Gemm") && attrInt(node, "transB") == 1 ? 0 : 1;
                } else if ((op.equals("Conv") || op.equals("ConvTranspose")) && use.inputIndex == 1) {
                    kind = LayerKind.CONV;
                    role = TensorRef.Role.WEIGHT;
                    channelAxis = op.equals("Conv") ? 0 : 1;
                } else if (op.equals("Gather") && use.inputIndex == 0 && shape.length == 2) {
                    kind = LayerKind.EMBEDDING;
                    role = TensorRef.Role.WEIGHT;
                } else if (NORM_OPS.contains(op) || lowerScope.endsWith("norm") || lowerScope.contains("layernorm")
                        || lowerScope.contains("batchnorm")) {
                    kind = LayerKind.NORM;
                    role = lowerName.endsWith("bias") || (op.equals("Add") && !lowerName.endsWith("weight"))
                            || (NORM_OPS.contains(op) && use.inputIndex == 2) ? TensorRef.Role.BIAS : TensorRef.Role.WEIGHT;
                } else if (lowerName.endsWith("bias") || op.equals("Add") || ((op.equals("Conv") || op.equals("Gemm")) && use.inputIndex == 2)) {
                    kind = null; // a bias belongs to whatever layer its scope is
                    role = TensorRef.Role.BIAS;
                } else {
                    kind = null;
                    role = TensorRef.Role.OTHER;
                }
                groups.computeIfAbsent(scope, k -> new ArrayList<>())
                        .add(new TensorRef(init.getName(), role, shape, dtype(init.getDataType()), channelAxis));
                if (kind != null) kinds.merge(scope, kind, OnnxLayers::stronger);
            }
        }
        // initializers no node uses directly (rare): their own names
        for (OnnxMl.TensorProto t : inits.values()) {
            String scope = nameFromInitializer(t.getName());
            groups.computeIfAbsent(scope == null ? t.getName() : scope, k -> new ArrayList<>())
                    .add(new TensorRef(t.getName(), TensorRef.Role.OTHER, t.getDimsList().stream().mapToLong(Long::longValue).toArray(),
                            dtype(t.getDataType()), 0));
        }
        List<LayerRef> layers = new ArrayList<>();
        groups.forEach((scope, tensors) -> {
            LayerKind kind = kinds.getOrDefault(scope, LayerKind.OTHER);
            if (tensors.stream().noneMatch(t -> t.role() == TensorRef.Role.WEIGHT)) {
                // e.g. a lone position table: call its first tensor the weight so the layer has one
                TensorRef f = tensors.get(0);
                tensors.set(0, new TensorRef(f.name(), TensorRef.Role.WEIGHT, f.shape(), f.dtype(), f.channelAxis()));
            }
            layers.add(new LayerRef(scope, kind, tensors));
        });
        return layers;
    }

    private static LayerKind stronger(LayerKind a, LayerKind b) {
        return rank(a) >= rank(b) ? a : b;
    }

    private static int rank(LayerKind k) {
        return switch (k) {
            case HEAD -> 5;
            case LINEAR, CONV -> 4;
            case EMBEDDING -> 3;
            case NORM -> 2;
            case OTHER -> 1;
        };
    }

    /** {@code /encoder/layer.0/attention/self/query/MatMul} -> {@code encoder.layer.0.attention.self.query}. */
    static String scopeOf(OnnxMl.NodeProto n) {
        String name = n.getName();
        int last = name.lastIndexOf('/');
        if (last <= 0) return null;
        String scope = name.substring(0, last).replaceAll("^/+", "").replace('/', '.');
        return scope.isEmpty() ? null : scope;
    }

    /** {@code encoder.layer.0.output.dense.weight} -> {@code encoder.layer.0.output.dense}; exporter ids -> null. */
    static String nameFromInitializer(String name) {
        if (name.startsWith("onnx::") || name.matches(".*_\\d+$") && !name.contains(".")) return null;
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static long attrInt(OnnxMl.NodeProto n, String attr) {
        for (OnnxMl.AttributeProto a : n.getAttributeList()) if (a.getName().equals(attr)) return a.getI();
        return 0;
    }

    /** Whether the node's output reaches a graph output directly or through an Add (bias) or Identity. */
    private static boolean feedsOutput(OnnxMl.NodeProto n, Map<String, List<OnnxMl.NodeProto>> consumers, Set<String> outputs) {
        OnnxMl.NodeProto cur = n;
        for (int hop = 0; hop < 3; hop++) {
            if (cur.getOutputCount() == 0) return false;
            String out = cur.getOutput(0);
            if (outputs.contains(out)) return true;
            List<OnnxMl.NodeProto> next = consumers.getOrDefault(out, List.of());
            if (next.size() != 1) return false;
            cur = next.get(0);
            if (!Set.of("Add", "Identity", "Reshape").contains(cur.getOpType())) return false;
        }
        return false;
    }

    /**
     * For every MatMul/Gemm whose second input is an initializer (directly or through pass-through nodes such as
     * Cast or Transpose): that initializer's name to the name of the tensor it multiplies (the node's first input).
     */
    static Map<String, String> matmulInputs(OnnxMl.GraphProto g) {
        Set<String> inits = new HashSet<>();
        g.getInitializerList().forEach(t -> inits.add(t.getName()));
        Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) for (String out : n.getOutputList()) producer.put(out, n);
        Map<String, String> out = new LinkedHashMap<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            if (!(n.getOpType().equals("MatMul") || n.getOpType().equals("Gemm")) || n.getInputCount() < 2) continue;
            String b = n.getInput(1);
            for (int hop = 0; hop < 3 && !inits.contains(b); hop++) {
                OnnxMl.NodeProto p = producer.get(b);
                if (p == null || !PASS_THROUGH.contains(p.getOpType()) || p.getInputCount() == 0) break;
                b = p.getInput(0);
            }
            if (inits.contains(b)) out.putIfAbsent(b, n.getInput(0));
        }
        return out;
    }
}
