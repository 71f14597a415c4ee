package io.precis.engine.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnx.proto.OnnxMl;
import io.precis.engine.algo.ActivationQuant;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.ModelOutput;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Activation fake-quantization inside all-MiniLM-L6-v2's ONNX graph, checked against a re-implementation here. */
class OnnxActivationsTest {

    /** The test's own int8 fake-quantization: symmetric, 127 levels a side, scale absmax/127 per row or for all. */
    private static float[] fakeQuant(float[] x, int d, boolean perRow, float staticScale) {
        float[] y = new float[x.length];
        int rows = x.length / d;
        float all = 0;
        for (float v : x) all = Math.max(all, Math.abs(v));
        for (int r = 0; r < rows; r++) {
            float m = 0;
            for (int i = 0; i < d; i++) m = Math.max(m, Math.abs(x[r * d + i]));
            float s = staticScale > 0 ? staticScale : (perRow ? m : all) / 127f;
            for (int i = 0; i < d; i++) y[r * d + i] = (float) Math.rint(Math.max(-127, Math.min(127, x[r * d + i] / s))) * s;
        }
        return y;
    }

    @Test
    void theQuantizedInputInTheGraphIsTheInputFakeQuantized() throws Exception {
        SentenceSet s = Datasets.sentences(TestFiles.sentences()).first(4);
        try (Model m = Models.loadFromMaven(TestFiles.MINILM)) {
            LayerRef l = m.layer("encoder.layer.2.output.dense");
            OnnxMl.ModelProto proto = m.backend(OnnxBackend.class).orElseThrow().graphProto();
            ModelInput.Tokens in = (ModelInput.Tokens) new Evaluator(m, s, 4, 0, 4).inputs().get(0);
            String x = OnnxLayers.matmulInputs(proto.getGraph()).get(l.weight().name());
            for (ActivationQuant q : List.of(ActivationQuant.int8PerToken(), ActivationQuant.int8Static(3.5f),
                    new ActivationQuant(ActivationQuant.Element.INT8, ActivationQuant.Granularity.PER_TENSOR, true, false, 0))) {
                byte[] bytes = OnnxActivations.rewrite(proto, Map.of(l.weight().name(), q), Map.of());
                OnnxMl.ModelProto p = OnnxMl.ModelProto.parseFrom(bytes);
                OnnxMl.GraphProto.Builder g = p.getGraph().toBuilder()
                        .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(x)).addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("precis_aq0_y"));
                OrtEnvironment env = OrtEnvironment.getEnvironment();
                try (OrtSession session = env.createSession(p.toBuilder().setGraph(g).build().toByteArray(), new OrtSession.SessionOptions())) {
                    Map<String, OnnxTensor> feed = new HashMap<>();
                    long[][] types = new long[in.ids().length][in.length()];
                    for (String name : session.getInputNames())
                        feed.put(name, OnnxTensor.createTensor(env, name.equals("input_ids") ? in.ids() : name.equals("attention_mask") ? in.mask() : types));
                    try (OrtSession.Result r = session.run(feed)) {
                        float[] xs = floats((OnnxTensor) r.get(x).orElseThrow());
                        float[] ys = floats((OnnxTensor) r.get("precis_aq0_y").orElseThrow());
                        float[] expected = fakeQuant(xs, 1536, q.granularity() == ActivationQuant.Granularity.PER_TOKEN, q.dynamic() ? 0 : 3.5f / 127f);
                        int changed = 0;
                        for (int i = 0; i < xs.length; i++) {
                            assertEquals(expected[i], ys[i], 1e-6f * Math.abs(expected[i]) + 1e-7f, q + " at " + i);
                            if (ys[i] != xs[i]) changed++;
                        }
                        assertTrue(changed > xs.length / 2, q + " changed " + changed + " of " + xs.length);
                    } finally {
                        feed.values().forEach(OnnxTensor::close);
                    }
                }
            }
        }
    }

    @Test
    void forwardQuantizesUntilTurnedOffAndRunsAsOneStage() {
        SentenceSet s = Datasets.sentences(TestFiles.sentences()).first(4);
        try (Model m = Models.loadFromMaven(TestFiles.MINILM)) {
            ModelInput in = new Evaluator(m, s, 4, 0, 4).inputs().get(0);
            float[] before = flat(m.forward(in));
            int stages = m.stages();
            assertTrue(stages > 1);
            Map<LayerRef, ActivationQuant> all = new java.util.LinkedHashMap<>();
            for (LayerRef l : m.layers()) if (l.weights().size() == 1 && l.weight().shape().length == 2 && l.kind() == io.precis.engine.model.LayerKind.LINEAR) all.put(l, ActivationQuant.int8PerToken());
            assertEquals(36, all.size());
            m.quantizeActivations(all, Map.of());
            assertTrue(m.activationsQuantized());
            assertEquals(1, m.stages());
            float[] quantized = flat(m.forward(in));
            double diff = 0;
            for (int i = 0; i < before.length; i++) diff = Math.max(diff, Math.abs(before[i] - quantized[i]));
            assertTrue(diff > 1e-4, "activations quantized change the output, max difference " + diff);
            m.quantizeActivations(Map.of(), Map.of());
            assertEquals(stages, m.stages());
            assertArrayEquals(before, flat(m.forward(in)));
        }
    }

    private static float[] flat(ModelOutput o) {
        return o.values().clone();
    }

    private static float[] floats(OnnxTensor t) {
        FloatBuffer b = t.getFloatBuffer();
        float[] f = new float[b.remaining()];
        b.get(f);
        return f;
    }
}
