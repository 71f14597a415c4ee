package io.precis.engine.calib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.algo.Gptq;
import io.precis.engine.algo.QuantAlgorithm;
import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.PlanEvaluation;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.ImageSet;
import io.precis.engine.data.Split;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerKind;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import io.precis.engine.model.train.TrainModels;
import io.precis.engine.plan.LayerPattern;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import io.precis.engine.plan.Rule;
import io.precis.engine.plan.SensitivityLookup;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Calibration of the DJL-trained models under models/trained (Precis's own blocks offer each Linear's input during
 * the pass) and the refusal for TorchScript: captured inputs checked against the weights by plain arithmetic, and
 * GPTQ below round-to-nearest on held-out data, layer by layer and for the whole char LM.
 */
class DjlCalibrationTest {

    @Test
    void charLmLayerInputsAndGptqBelowRtnOnHeldOutText() {
        String all = Datasets.text(TestFiles.mobyDickOrSkip()).text();
        TextCorpus heldOut = new TextCorpus("moby-dick held-out", all.substring((int) (all.length() * (1 - TrainModels.HELD_OUT))));
        try (Model m = Models.load(TestFiles.models("trained/char-lm-0000.params"))) {
            List<LayerRef> linear = m.layers(LayerKind.LINEAR);
            ModelInput probe = new Evaluator(m, heldOut, 2, 0, 2).inputs().get(0);
            Map<String, float[]> x = m.layerInputs(probe, linear);
            int tokens = ((ModelInput.Tokens) probe).size() * ((ModelInput.Tokens) probe).length(), w = 64;
            assertEquals(tokens * w, x.get("blocks.0.attn.qkv").length);
            assertEquals(tokens * 4 * w, x.get("blocks.1.mlp.fc2").length);
            // fc2's input is GELU(fc1's input · W1ᵀ + b1), computed here from the weights (erf GELU, PyTorch's default)
            float[] h = x.get("blocks.1.mlp.fc1"), g = x.get("blocks.1.mlp.fc2");
            LayerRef fc1 = m.layer("blocks.1.mlp.fc1");
            float[] w1 = m.fullPrecisionWeights(fc1.weight()), b1 = m.fullPrecisionWeights(fc1.tensors().get(1));
            double worst = 0;
            for (int t = 0; t < tokens; t++)
                for (int o = 0; o < 4 * w; o++) {
                    double z = b1[o];
                    for (int j = 0; j < w; j++) z += (double) h[t * w + j] * w1[o * w + j];
                    double gelu = 0.5 * z * (1 + erf(z / Math.sqrt(2)));
                    worst = Math.max(worst, Math.abs(gelu - g[t * 4 * w + o]));
                }
            assertTrue(worst < 1e-4, "fc2's input differs from GELU(fc1) by " + worst);

            // calibration windows from the first part of the held-out text, evaluation from the rest (disjoint)
            Split<TextCorpus> split = Datasets.split(heldOut, heldOut.size() / 3, 0);
            Calibration cal = Calibration.on(split.calibration()).samples(64);
            Analysis a = Analysis.of(m, split.evaluation()).samples(96).cache(SensitivityCache.inMemory());
            Format int4 = Formats.parse("int4 per channel");
            Plan gp = plan(m, int4, QuantAlgorithm.of("gptq"));
            PlanQuantizer.Result q = m.atFullPrecision(() -> PlanQuantizer.quantize(m, gp, cal.inputs(m), false, null));
            Map<String, LayerStats> held = Calibration.capture(m, a.evaluator().inputs(), linear, true, null);
            int better = 0;
            double sumRtn = 0, sumGptq = 0;
            StringBuilder table = new StringBuilder();
            for (LayerRef l : linear) {
                int out = (int) l.weight().shape()[0], in = (int) l.weight().shape()[1];
                float[] wt = m.fullPrecisionWeights(l.weight());
                float[] hess = held.get(l.name()).hessian();
                double eRtn = Gptq.relativeOutputError(wt, QuantAlgorithm.RTN.quantize(wt, out, in, int4, null), out, in, hess);
                double eGptq = Gptq.relativeOutputError(wt, q.weights().get(l.weight().name()), out, in, hess);
                if (eGptq < eRtn) better++;
                sumRtn += eRtn;
                sumGptq += eGptq;
                table.append(String.format(Locale.ROOT, "%n  %-20s RTN %.5f  GPTQ %.5f", l.name(), eRtn, eGptq));
            }
            System.out.println("char-lm int4 per channel, held-out layer output error" + table);
            assertEquals(linear.size(), better, "GPTQ's held-out output error below RTN's on every linear layer:" + table);
            assertTrue(sumGptq < 0.8 * sumRtn, table.toString());

            double rtn = a.evaluate(plan(m, int4, QuantAlgorithm.RTN)).evaluation().get(Metric.LOSS);
            PlanEvaluation ge = a.evaluate(gp, cal);
            assertEquals(0, ge.samples().overlap(), ge.samples().text());
            double fp = ge.baseline().get(Metric.LOSS), gptq = ge.evaluation().get(Metric.LOSS);
            System.out.printf(Locale.ROOT, "char-lm held-out loss: full precision %.4f, int4 per channel RTN %.4f, GPTQ %.4f (%s)%n", fp, rtn, gptq,
                    ge.calibration());
            assertTrue(gptq - fp < rtn - fp, "GPTQ's loss increase " + (gptq - fp) + " not below RTN's " + (rtn - fp));
        }
    }

    @Test
    void fashionMlpFirstLayerSeesThePixelsAndGptqBeatsRtn() {
        ImageSet test = Datasets.fashionMnist(TestFiles.fashionMnistOrSkip(), "test");
        try (Model m = Models.load(TestFiles.models("trained/fashion-mlp-0000.params"))) {
            Split<ImageSet> split = Datasets.split(test, 512, 0);
            Calibration cal = Calibration.on(split.calibration()).samples(512);
            List<ModelInput> calIn = cal.inputs(m);
            ModelInput.Images first = (ModelInput.Images) calIn.get(0);
            List<LayerRef> linear = m.layers(LayerKind.LINEAR);
            Map<String, float[]> x = m.layerInputs(first, linear);
            assertArrayEquals(first.pixels(), x.get("fc1"), 0f, "fc1 multiplies the flattened pixels");
            // only fc1 wanted: the pass stops before fc2, and asks for nothing else
            Map<String, float[]> only = m.layerInputs(first, List.of(m.layer("fc1")));
            assertEquals(1, only.size());
            Format int3 = Formats.parse("int3 per channel");
            Plan gp = plan(m, int3, QuantAlgorithm.of("gptq"));
            PlanQuantizer.Result q = m.atFullPrecision(() -> PlanQuantizer.quantize(m, gp, calIn, false, null));
            Analysis a = Analysis.of(m, split.evaluation()).samples(1024).cache(SensitivityCache.inMemory());
            Map<String, LayerStats> held = Calibration.capture(m, a.evaluator().inputs(), linear, true, null);
            for (LayerRef l : linear) {
                int out = (int) l.weight().shape()[0], in = (int) l.weight().shape()[1];
                float[] wt = m.fullPrecisionWeights(l.weight());
                float[] hess = held.get(l.name()).hessian();
                double eRtn = Gptq.relativeOutputError(wt, QuantAlgorithm.RTN.quantize(wt, out, in, int3, null), out, in, hess);
                double eGptq = Gptq.relativeOutputError(wt, q.weights().get(l.weight().name()), out, in, hess);
                System.out.printf(Locale.ROOT, "fashion-mlp %s int3 per channel, held-out output error: RTN %.5f, GPTQ %.5f%n", l.name(), eRtn, eGptq);
                assertTrue(eGptq < eRtn, l.name() + ": GPTQ " + eGptq + " vs RTN " + eRtn);
            }
        }
    }

    @Test
    void torchScriptSaysWhyItCannotBeCalibrated() {
        try (Model m = Models.load(TestFiles.models("torchscript/fashion_cnn.pt"))) {
            ImageSet test = Datasets.fashionMnist(TestFiles.fashionMnistOrSkip(), "test");
            List<ModelInput> in = Calibration.on(test).samples(4).inputs(m);
            List<LayerRef> linear = m.layers(LayerKind.LINEAR);
            var e = assertThrows(UnsupportedOperationException.class, () -> Calibration.capture(m, in, linear, true, null));
            assertTrue(e.getMessage().contains("TorchScript") && e.getMessage().contains("ONNX") && e.getMessage().contains("hooks"), e.getMessage());
        }
    }

    /** Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7). */
    static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
        return x >= 0 ? y : -y;
    }

    static Plan plan(Model m, Format f, QuantAlgorithm a) {
        return Planner.resolve(m.name(), m.layers(), List.of(Rule.quantize("all " + a.name(), List.of(LayerPattern.glob("*")), f).using(a)),
                SensitivityLookup.NONE);
    }
}
