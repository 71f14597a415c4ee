package io.precis.engine.calib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.data.Datasets;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** W8A16 vs W8A8 (activations fake-quantized in ONNX Runtime's forward pass) vs W8A8 with SmoothQuant, MiniLM held out. */
class ActivationQuantModelTest {

    @Test
    void activationsAddDamageAndSmoothQuantTakesSomeBack() {
        SentenceSet all = Datasets.sentences(TestFiles.sentences());
        try (Model m = Models.loadFromMaven(TestFiles.MINILM)) {
            MiniLmActivations.Result r = MiniLmActivations.measure(m, all, 128, 0);
            System.out.printf(Locale.ROOT, "MiniLM held out (%s): 1-cos W8A16 %.3e, W8A8 per token dynamic %.3e (%.2fx), W8A8 per tensor static %.3e (%.2fx),"
                            + " W8A8+SmoothQuant (norm-fed layers) %.3e (%.2fx), W8A8+SmoothQuant (all 36) %.3e (%.2fx)%n",
                    r.samples().text(), r.w8a16(), r.w8a8(), r.w8a8() / r.w8a16(), r.w8a8Static(), r.w8a8Static() / r.w8a16(), r.w8a8SmoothNorm(),
                    r.w8a8SmoothNorm() / r.w8a16(), r.w8a8SmoothAll(), r.w8a8SmoothAll() / r.w8a16());
            r.byPlan().forEach((name, v) -> System.out.printf(Locale.ROOT, "  %s: %.3e (%.2fx W8A16) [%s]%n", name, v, v / r.w8a16(), r.notes().get(name)));
            assertEquals(0, r.samples().overlap());
            // the test's own metric over its own forward passes agrees with the analysis for weights only
            assertEquals(r.w8a16ByAnalysis(), r.w8a16(), 1e-6 * r.w8a16ByAnalysis());
            assertEquals(r.w8a8(), r.w8a8ByAnalysis(), 1e-6 * r.w8a8(), "a plan with activation rules, evaluated by the analysis");
            assertEquals(r.w8a8Static(), r.w8a8StaticByAnalysis(), 1e-6 * r.w8a8Static(), "static scales calibrated by the analysis");
            assertEquals(r.w8a8SmoothNorm(), r.w8a8SmoothNormByAnalysis(), 1e-6 * r.w8a8SmoothNorm(), "smoothquant by the analysis");
            assertTrue(r.plan().contains("W int8 / A int8 per token dynamic"), r.plan());
            assertTrue(r.plan().contains("activations: 36 layers' inputs quantized (int8 per token dynamic)"), r.plan());
            assertTrue(r.w8a8() > 1.2 * r.w8a16(), "int8 activations add damage: " + r.w8a8() + " vs " + r.w8a16());
            assertTrue(r.w8a8Static() > r.w8a8(), "one static scale per tensor is coarser than one per token");
            assertTrue(r.w8a8SmoothNorm() < r.w8a8(), "SmoothQuant flattens the channels the quantizer sees");
            Map<String, Double> p = r.byPlan();
            // α chosen on calibration rows by the layers' output error; the choice is judged on the held-out rows
            assertTrue(p.get("smoothquant searched, norm-fed") < r.w8a8SmoothNorm(), "searched α beats the fixed 0.5 held out: " + p);
            assertTrue(r.notes().get("smoothquant searched, norm-fed").contains("α searched on 1024 calibration rows: encoder.layer.0.attention.self.query"),
                    r.notes().get("smoothquant searched, norm-fed"));
            assertTrue(r.notes().get("smoothquant searched, norm-fed").contains("folded into the preceding norm for no layer"), "MiniLM is post-LN");
            assertTrue(p.get("asymmetric per token") < r.w8a8(), "GELU outputs are one-sided: a zero point halves their step");
            assertTrue(p.get("asymmetric per token, smoothquant searched, norm-fed") < p.get("smoothquant searched, norm-fed"), p.toString());
            assertTrue(p.get("int8 per tensor static mse") < r.w8a8Static(), "an MSE clip beats the absmax for one static scale");
        }
    }
}
