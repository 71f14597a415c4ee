package io.precis.engine.export;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Raises an ONNX graph's default-domain opset to the one the QDQ export needs (21: int4/uint4 and blocked
 * DequantizeLinear), rewriting the few operators whose signature changed on the way: axes and split moved from
 * attributes to inputs (Unsqueeze, Squeeze, ReduceSum, Split at 13; the other reductions at 18), and Softmax,
 * LogSoftmax and Hardmax, which before 13 flattened their input to 2-D at {@code axis} (rewritten as Flatten, the
 * operator on the last axis, Reshape back). Operators known unchanged in meaning across these versions pass as
 * they are; any other operator, or a subgraph, is refused by name rather than guessed at.
 */
final class OnnxOpset {
    static final int TARGET = 21;
    /** IR version 10 is the first that knows INT4/UINT4. */
    static final long IR = 10;

    /** Operators whose later versions only add types or optional attributes with the old behaviour as default. */
    private static final Set<String> UNCHANGED = Set.of(
            "Abs", "Acos", "Acosh", "Add", "And", "ArgMax", "ArgMin", "Asin", "Asinh", "Atan", "Atanh", "AveragePool",
            "BatchNormalization", "BitShift", "Cast", "CastLike", "Ceil", "Celu", "Clip", "Compress", "Concat",
            "ConcatFromSequence", "Constant", "ConstantOfShape", "Conv", "ConvInteger", "ConvTranspose", "Cos", "Cosh",
            "CumSum", "DepthToSpace", "DequantizeLinear", "Det", "Div", "Einsum", "Elu", "Equal", "Erf", "Exp", "Expand",
            "EyeLike", "Flatten", "Floor", "GRU", "Gather", "GatherElements", "GatherND", "Gemm", "GlobalAveragePool",
            "GlobalLpPool", "GlobalMaxPool", "Greater", "GreaterOrEqual", "HardSigmoid", "HardSwish", "Identity",
            "InstanceNormalization", "IsInf", "IsNaN", "LRN", "LSTM", "LayerNormalization", "LeakyRelu", "Less",
            "LessOrEqual", "Log", "LpNormalization", "LpPool", "MatMul", "MatMulInteger", "Max", "MaxPool", "MaxRoiPool",
            "MaxUnpool", "Mean", "MeanVarianceNormalization", "Min", "Mish", "Mod", "Mul", "Multinomial", "Neg",
            "NonMaxSuppression", "NonZero", "Not", "OneHot", "Or", "PRelu", "Pad", "Pow", "QLinearConv", "QLinearMatMul",
            "QuantizeLinear", "RNN", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Range",
            "Reciprocal", "Relu", "Reshape", "ReverseSequence", "RoiAlign", "Round", "ScatterElements", "ScatterND",
            "Selu", "SequenceAt", "SequenceConstruct", "SequenceEmpty", "SequenceErase", "SequenceInsert",
            "SequenceLength", "Shape", "Shrink", "Sigmoid", "Sign", "Sin", "Sinh", "Size", "Slice", "Softplus",
            "Softsign", "SpaceToDepth", "Sqrt", "Sub", "Sum", "Tan", "Tanh", "ThresholdedRelu", "Tile", "TopK",
            "Transpose", "Trilu", "Unique", "Where", "Xor", "Gelu");
    /** Whose axes became an input at 13. */
    private static final Set<String> AXES_AT_13 = Set.of("Unsqueeze", "Squeeze", "ReduceSum");
    /** Whose axes became an input at 18. */
    private static final Set<String> AXES_AT_18 = Set.of("ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
            "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");
    private static final Set<String> SOFTMAX_LIKE = Set.of("Softmax", "LogSoftmax", "Hardmax");

    private OnnxOpset() {}

    /** The default domain's opset of a model (1 when it imports none, as the spec says). */
    static long of(OnnxMl.ModelProto m) {
        for (OnnxMl.OperatorSetIdProto o : m.getOpsetImportList())
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) return o.getVersion();
        return 1;
    }

    /**
     * The model at opset {@link #TARGET} (unchanged above it), or an exception naming every node that cannot be
     * carried over.
     */
    static OnnxMl.ModelProto raise(OnnxMl.ModelProto m) {
        long from = of(m);
        if (from >= TARGET) return m.getIrVersion() >= IR ? m : m.toBuilder().setIrVersion(IR).build();
        OnnxMl.GraphProto g = m.getGraph();
        List<String> refused = new ArrayList<>();
        OnnxMl.GraphProto.Builder out = g.toBuilder().clearNode();
        int[] fresh = {0};
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            boolean defaultDomain = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
            if (!defaultDomain) {
                out.addNode(n);
                continue;
            }
            for (OnnxMl.AttributeProto a : n.getAttributeList())
                if (a.hasG() || a.getGraphsCount() > 0) refused.add(label(n) + " holds a subgraph");
            String op = n.getOpType();
            if (UNCHANGED.contains(op)) {
                out.addNode(n);
            } else if ((AXES_AT_13.contains(op) && from < 13) || (AXES_AT_18.contains(op) && from < 18)) {
                out.addNode(attributeToInput(n, "axes", out, fresh));
            } else if (AXES_AT_13.contains(op) || AXES_AT_18.contains(op)) {
                out.addNode(n);
            } else if (op.equals("Split")) {
                out.addNode(from < 13 ? attributeToInput(n, "split", out, fresh) : n);
            } else if (op.equals("Dropout")) {
                // inference: the output is the input; ratio moved to an input at 12 and only matters in training
                OnnxMl.NodeProto.Builder b = n.toBuilder().clearAttribute();
                for (OnnxMl.AttributeProto a : n.getAttributeList()) if (!a.getName().equals("ratio")) b.addAttribute(a);
                out.addNode(b);
            } else if (SOFTMAX_LIKE.contains(op)) {
                if (from >= 13) out.addNode(n);
                else softmaxBefore13(n, out, fresh);
            } else {
                refused.add(label(n) + " (" + op + ")");
            }
        }
        if (!refused.isEmpty())
            throw new IllegalArgumentException("the model's graph is at opset " + from + " and DequantizeLinear with int4 and blocks needs "
                    + TARGET + "; these nodes are not carried over automatically: " + String.join(", ", refused.stream().distinct().limit(8).toList())
                    + (refused.size() > 8 ? " and " + (refused.size() - 8) + " more" : ""));
        OnnxMl.ModelProto.Builder b = m.toBuilder().setGraph(out).setIrVersion(Math.max(IR, m.getIrVersion())).clearOpsetImport();
        boolean set = false;
        for (OnnxMl.OperatorSetIdProto o : m.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                if (!set) b.addOpsetImport(o.toBuilder().setDomain("").setVersion(TARGET));
                set = true;
            } else {
                b.addOpsetImport(o);
            }
        }
        if (!set) b.addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(TARGET));
        return b.build();
    }

    private static String label(OnnxMl.NodeProto n) {
        return n.getName().isEmpty() ? n.getOpType() + " -> " + String.join(",", n.getOutputList()) : n.getName();
    }

    /** The int list attribute {@code name} becomes an int64 initializer passed as the second input. */
    private static OnnxMl.NodeProto attributeToInput(OnnxMl.NodeProto n, String name, OnnxMl.GraphProto.Builder g, int[] fresh) {
        OnnxMl.NodeProto.Builder b = n.toBuilder().clearAttribute();
        List<Long> values = null;
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) values = a.getIntsList();
            else b.addAttribute(a);
        }
        if (values == null) return b.build(); // absent: the operator's default (all axes / equal split) is the same
        String t = "precis_opset_" + name + "_" + fresh[0]++;
        g.addInitializer(OnnxMl.TensorProto.newBuilder().setName(t).setDataType(OnnxMl.TensorProto.DataType.INT64_VALUE)
                .addDims(values.size()).addAllInt64Data(values));
        // the new input goes second; earlier versions had only the data input there
        b.clearInput().addInput(n.getInput(0)).addInput(t);
        for (int i = 1; i < n.getInputCount(); i++) b.addInput(n.getInput(i));
        return b.build();
    }

    /**
     * Before opset 13, Softmax(axis=a) computed over the input flattened to [prod(d[:a]), prod(d[a:])]. That is
     * Flatten(a), the operator on the last axis, then a Reshape to the input's shape; when {@code a} is -1 the
     * two versions agree and the node stays.
     */
    private static void softmaxBefore13(OnnxMl.NodeProto n, OnnxMl.GraphProto.Builder g, int[] fresh) {
        long axis = 1;
        for (OnnxMl.AttributeProto a : n.getAttributeList()) if (a.getName().equals("axis")) axis = a.getI();
        if (axis == -1) {
            g.addNode(n);
            return;
        }
        String base = "precis_opset_" + n.getOpType().toLowerCase(java.util.Locale.ROOT) + "_" + fresh[0]++;
        String x = n.getInput(0);
        g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Shape").setName(base + "_shape").addInput(x).addOutput(base + "_shape"));
        g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Flatten").setName(base + "_flatten").addInput(x).addOutput(base + "_flat")
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axis").setType(OnnxMl.AttributeProto.AttributeType.INT).setI(axis)));
        g.addNode(n.toBuilder().clearAttribute().clearInput().addInput(base + "_flat").clearOutput().addOutput(base + "_out")
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axis").setType(OnnxMl.AttributeProto.AttributeType.INT).setI(-1)));
        g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Reshape").setName(base + "_reshape").addInput(base + "_out")
                .addInput(base + "_shape").addOutput(n.getOutput(0)));
    }
}
