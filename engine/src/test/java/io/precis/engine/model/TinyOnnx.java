package io.precis.engine.model;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Small ONNX graphs built with the ONNX protobuf classes, for tests. */
final class TinyOnnx {
    private TinyOnnx() {}

    /** X[1,4] -> MatMul(W[4,3]) named /fc/MatMul with W called onnx::MatMul_7 -> Add(fc.bias) -> Y[1,3]. */
    static byte[] linear(String opType, String domain) {
        ByteBuffer w = ByteBuffer.allocate(12 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 12; i++) w.putFloat(0.1f * (i + 1));
        ByteBuffer b = ByteBuffer.allocate(3 * 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).putFloat(3);
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder()
                .setName("tiny")
                .addInput(value("X", 1, 4))
                .addOutput(value("Y", 1, 3))
                .addInitializer(OnnxMl.TensorProto.newBuilder().setName("onnx::MatMul_7").setDataType(1).addDims(4).addDims(3)
                        .setRawData(ByteString.copyFrom(w.array())))
                .addInitializer(OnnxMl.TensorProto.newBuilder().setName("fc.bias").setDataType(1).addDims(3)
                        .setRawData(ByteString.copyFrom(b.array())))
                .addNode(OnnxMl.NodeProto.newBuilder().setName("/fc/MatMul").setOpType(opType).setDomain(domain)
                        .addInput("X").addInput("onnx::MatMul_7").addOutput("h"))
                .addNode(OnnxMl.NodeProto.newBuilder().setName("/fc/Add").setOpType("Add").addInput("h").addInput("fc.bias").addOutput("Y"))
                .build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).setProducerName("precis-test")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(g).build().toByteArray();
    }

    private static OnnxMl.ValueInfoProto value(String name, long... dims) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1).setShape(s)))
                .build();
    }
}
