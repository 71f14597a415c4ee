package io.precis.engine.calib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.precis.engine.algo.ActivationQuant;
import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.format.Formats;
import io.precis.engine.model.Activation;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.ModelOutput;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.model.gguf.CachedModels;
import io.precis.engine.model.train.TrainModels;
import io.precis.engine.plan.ActivationSpec;
import io.precis.engine.plan.LayerPattern;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import io.precis.engine.plan.Rule;
import io.precis.engine.plan.SensitivityLookup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Activation rules in the forward pass of Precis's DJL blocks (the char LM) and a GGUF LLM (SmolLM2, two blocks):
 * the input each layer multiplies with the rules on is {@link ActivationQuant#apply} (and, for plain int8 per token,
 * this test's own rounding) of the input it receives, with the SmoothQuant divisor applied first; W8A8 damages the
 * output more than W8A16; stage-collecting passes stay full precision and resumed passes start early enough.
 */
class BlockActivationsTest {

    private static final ActivationQuant TOKEN = ActivationQuant.int8PerToken();

    /**
     * For each checked layer: its input with every rule on except its own (what the layer receives, the earlier
     * layers' rules applied) and with all rules on (what it multiplies) must be x → q(x / s) exactly.
     */
    private static void hookedInputsAreTheQuantizedInputs(Model m, ModelInput probe, Map<LayerRef, ActivationQuant> rules,
                                                          Map<LayerRef, float[]> divisors, List<String> checked, List<String> plainPerToken) {
        for (String name : checked) {
            LayerRef l = m.layer(name);
            Map<LayerRef, ActivationQuant> others = new LinkedHashMap<>(rules);
            others.remove(l);
            float[] x, y;
            try {
                m.quantizeActivations(others, divisors);
                x = m.layerInputs(probe, List.of(l)).get(name);
                m.quantizeActivations(rules, divisors);
                y = m.layerInputs(probe, List.of(l)).get(name);
            } finally {
                m.quantizeActivations(Map.of(), Map.of());
            }
            int d = Math.toIntExact(l.weight().shape()[1]);
            float[] want = x.clone();
            float[] s = divisors.get(l);
            if (s != null) for (int i = 0; i < want.length; i++) want[i] /= s[i % d];
            ActivationQuant q = rules.get(l);
            if (q == null) {
                assertArrayEquals(x, y, name + " has no rule: its input passes unchanged");
                continue;
            }
            q.apply(want, want.length / d, d);
            assertArrayEquals(want, y, name + ": the input it multiplies is " + q + " of the input it receives" + (s != null ? " / s" : ""));
            if (plainPerToken.contains(name)) {
                // independent of ActivationQuant: absmax/127 per row, round half to even
                for (int r = 0; r < x.length / d; r++) {
                    float mx = 0;
                    for (int c = 0; c < d; c++) mx = Math.max(mx, Math.abs(x[r * d + c]));
                    float sc = mx / 127f;
                    for (int c = 0; c < d; c++) assertEquals((float) Math.rint(x[r * d + c] / sc) * sc, y[r * d + c], 0f, name + " row " + r);
                }
            }
        }
    }

    private static float[][] outputs(Model m, Evaluator ev) {
        List<float[]> rows = new ArrayList<>();
        for (ModelInput in : ev.inputs()) ev.addRows(m.forward(in), in.size(), rows);
        return rows.toArray(float[][]::new);
    }

    /** W8A16 (int8 per channel weights) and W8A8 (plus int8 per-token inputs) on these layers: 1 − cosine of the logits. */
    private static double[] w8a16AndW8a8(Model m, Evaluator ev, List<LayerRef> layers) {
        float[][] ref = outputs(m, ev);
        Map<LayerRef, ActivationQuant> token = new LinkedHashMap<>();
        layers.forEach(l -> token.put(l, TOKEN));
        try {
            m.swap(layers, WeightTransform.fakeQuantize(Formats.parse("int8 per channel")));
            double w8a16 = MiniLmActivations.oneMinusCosine(outputs(m, ev), ref);
            m.quantizeActivations(token, Map.of());
            double w8a8 = MiniLmActivations.oneMinusCosine(outputs(m, ev), ref);
            return new double[] {w8a16, w8a8};
        } finally {
            m.quantizeActivations(Map.of(), Map.of());
            m.restoreAll();
        }
    }

    private static float[] divisors(int d) {
        float[] s = new float[d];
        for (int c = 0; c < d; c++) s[c] = 0.5f + (c % 7) / 4f;
        return s;
    }

    @Test
    void charLmRulesRunInTheBlocks() {
        String all = Datasets.text(TestFiles.mobyDickOrSkip()).text();
        TextCorpus heldOut = new TextCorpus("moby-dick held-out", all.substring((int) (all.length() * (1 - TrainModels.HELD_OUT))));
        try (Model m = Models.load(TestFiles.models("trained/char-lm-0000.params"))) {
            List<LayerRef> linear = m.layers().stream().filter(l -> l.weights().size() == 1 && l.weight().shape().length == 2
                    && (l.name().startsWith("blocks.") || l.name().equals("head"))).toList();
            assertEquals(9, linear.size(), linear.toString());
            Evaluator ev = new Evaluator(m, heldOut, 2, 0, 4);
            ModelInput probe = ev.inputs().get(0);
            Map<LayerRef, ActivationQuant> rules = new LinkedHashMap<>();
            linear.forEach(l -> rules.put(l, TOKEN));
            rules.put(m.layer("blocks.0.attn.proj"), ActivationQuant.int8Asymmetric(ActivationQuant.Granularity.PER_TOKEN));
            rules.put(m.layer("blocks.1.mlp.fc2"), new ActivationQuant(ActivationQuant.Element.FP8_E4M3, ActivationQuant.Granularity.PER_TENSOR, true, false, 0));
            Map<LayerRef, float[]> smooth = Map.of(m.layer("blocks.1.mlp.fc1"), divisors(64));
            hookedInputsAreTheQuantizedInputs(m, probe, rules, smooth,
                    List.of("blocks.0.attn.qkv", "blocks.0.attn.proj", "blocks.1.mlp.fc1", "blocks.1.mlp.fc2", "head"), List.of("blocks.0.attn.qkv", "head"));

            double[] d = w8a16AndW8a8(m, ev, linear);
            System.out.printf(Locale.ROOT, "char-lm, all 9 linear layers: W8A16 1-cos %.3e, W8A8 per token %.3e (%.1fx)%n", d[0], d[1], d[1] / d[0]);
            assertTrue(d[0] > 0 && d[1] > d[0], "W8A8 " + d[1] + " vs W8A16 " + d[0]);
            assertTrue(m.isFullPrecision() && !m.activationsQuantized());

            // stage inputs collected with rules on are the full-precision ones; a pass resumed from them applies the rules after
            Map<LayerRef, ActivationQuant> block1 = new LinkedHashMap<>();
            linear.stream().filter(l -> l.name().startsWith("blocks.1.")).forEach(l -> block1.put(l, TOKEN));
            List<Activation> fp = new ArrayList<>();
            ModelOutput fpOut = m.forwardCollecting(probe, fp);
            try {
                m.quantizeActivations(block1, Map.of());
                List<Activation> on = new ArrayList<>();
                assertArrayEquals(fpOut.values(), m.forwardCollecting(probe, on).values(), "a collecting pass runs without the rules");
                for (int i = 0; i < fp.size(); i++) assertArrayEquals(fp.get(i).values(), on.get(i).values(), "stage input " + (i + 1));
                int stage = m.stageOf(m.layer("blocks.1.attn.qkv"));
                float[] full = m.forward(probe).values();
                assertNotEquals(0, MiniLmActivations.oneMinusCosine(new float[][] {full}, new float[][] {fpOut.values()}), "the rules change the output");
                assertArrayEquals(full, m.forwardFrom(probe, stage, fp.get(stage - 1)).values(), "resumed at block 1 = the whole pass");
            } finally {
                m.quantizeActivations(Map.of(), Map.of());
            }

            // the analysis resumes no later than the first quantized input: weights of block 1, inputs of block 0
            List<LayerPattern> b0 = List.of(LayerPattern.glob("blocks.0.*")), b1 = List.of(LayerPattern.glob("blocks.1.*"));
            Plan weights = Planner.resolve(m.name(), m.layers(), List.of(Rule.quantize("w", b1, Formats.parse("int8 per channel"))), SensitivityLookup.NONE);
            Plan both = Planner.resolve(m.name(), m.layers(), List.of(Rule.quantize("w", b1, Formats.parse("int8 per channel")),
                    Rule.activations("a", b0, new ActivationSpec(ActivationQuant.Granularity.PER_TOKEN, true))), SensitivityLookup.NONE);
            Analysis a = Analysis.of(m, heldOut).samples(4).cache(SensitivityCache.inMemory());
            double resumed = a.evaluate(both).value(), whole = a.prefixReuse(false).evaluate(both).value(), w = a.evaluate(weights).value();
            assertEquals(whole, resumed, 1e-9 * whole, "resumed stages must not skip block 0's quantized inputs");
            assertTrue(resumed > w, "block 0's int8 inputs add damage: " + w + " -> " + resumed);
        }
    }

    @Test
    void smolLm2RulesRunInTheLlamaBlocks() {
        Path file = CachedModels.find(CachedModels.SMOLLM2).orElse(null);
        assumeTrue(file != null, CachedModels.missing(CachedModels.SMOLLM2));
        try (Model m = Models.load(file)) {
            TextCorpus text = Datasets.text(TestFiles.sentences()).withContext(16);
            Evaluator ev = new Evaluator(m, text, 2, 0, 2);
            ModelInput probe = ev.inputs().get(0);
            List<LayerRef> two = new ArrayList<>();
            for (int i = 0; i < 2; i++)
                for (String s : List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")) two.add(m.layer("blk." + i + "." + s));
            // q, k and v read one tensor but get their own rules (v none); gate and up share one smoothed input
            Map<LayerRef, ActivationQuant> rules = new LinkedHashMap<>();
            two.forEach(l -> rules.put(l, TOKEN));
            rules.put(m.layer("blk.1.attn_k"), ActivationQuant.int8Asymmetric(ActivationQuant.Granularity.PER_TOKEN));
            rules.remove(m.layer("blk.1.attn_v"));
            float[] s = divisors(576);
            Map<LayerRef, float[]> smooth = new HashMap<>();
            smooth.put(m.layer("blk.1.ffn_gate"), s);
            smooth.put(m.layer("blk.1.ffn_up"), s);
            hookedInputsAreTheQuantizedInputs(m, probe, rules, smooth,
                    List.of("blk.0.attn_q", "blk.1.attn_q", "blk.1.attn_k", "blk.1.attn_v", "blk.1.ffn_up", "blk.1.ffn_down"), List.of("blk.0.attn_q", "blk.1.attn_q"));

            double[] d = w8a16AndW8a8(m, ev, two);
            System.out.printf(Locale.ROOT, "smollm2, blocks 0-1: W8A16 1-cos %.3e, W8A8 per token %.3e (%.1fx)%n", d[0], d[1], d[1] / d[0]);
            assertTrue(d[0] > 0 && d[1] > d[0], "W8A8 " + d[1] + " vs W8A16 " + d[0]);

            Exception e = assertThrows(IllegalArgumentException.class, () -> m.quantizeActivations(Map.of(m.layer("blk.0.attn_norm"), TOKEN), Map.of()));
            assertTrue(e.getMessage().contains("blk.0.attn_norm is not a linear layer"), e.getMessage());
        }
    }

    /**
     * A streamed causal-LM measurement (batch by batch, full-precision logits from the kept last-stage inputs) with
     * activation rules on block 0 and a weight change in block 1: it must start at block 0 and equal the kept run.
     */
    @Test
    void streamedLlmMeasurementStartsAtTheFirstQuantizedInput(@org.junit.jupiter.api.io.TempDir Path tmp) {
        System.setProperty("precis.streamAboveBytes", "0"); // the tiny model's logits are small: stream them anyway
        try (Model m = Models.load(io.precis.engine.model.gguf.TinyGguf.write(tmp.resolve("tiny.gguf"), 8, true))) {
            TextCorpus text = Datasets.text(TestFiles.sentences()).withContext(40);
            Analysis a = Analysis.of(m, text).samples(50).cache(SensitivityCache.inMemory()).metric(io.precis.engine.analysis.SensitivityMetric.KL);
            Plan rules = Planner.resolve("tiny", m.layers(), List.of(Rule.activations("a", List.of(LayerPattern.glob("blk.0.*")),
                    new ActivationSpec(ActivationQuant.Granularity.PER_TOKEN, true))), SensitivityLookup.NONE);
            io.precis.engine.format.Format int4 = Formats.parse("int4 per channel");
            LayerRef up = m.layer("blk.1.ffn_up");
            double streamed = a.method(io.precis.engine.analysis.Method.of(io.precis.engine.algo.QuantAlgorithm.RTN, null, rules))
                    .sensitivity(List.of(up), List.of(int4)).value(up, int4);
            Evaluator ev = a.evaluator();
            assertTrue(ev.inputs().size() > 1, "several batches");
            Map<LayerRef, ActivationQuant> acts = new LinkedHashMap<>();
            rules.activations().keySet().forEach(n -> acts.put(m.layer(n), TOKEN));
            assertEquals(7, acts.size());
            double kept, weightsOnly;
            try {
                m.swap(up, WeightTransform.fakeQuantize(int4));
                weightsOnly = ev.evaluate().get(io.precis.engine.eval.Metric.KL);
                m.quantizeActivations(acts, Map.of());
                kept = ev.evaluate().get(io.precis.engine.eval.Metric.KL);
            } finally {
                m.quantizeActivations(Map.of(), Map.of());
                m.restoreAll();
            }
            assertTrue(kept > weightsOnly, "block 0's int8 inputs add damage: " + weightsOnly + " -> " + kept);
            assertEquals(kept, streamed, 1e-9 * kept, "streamed with rules on block 0 vs the whole kept run");
        } finally {
            System.clearProperty("precis.streamAboveBytes");
        }
    }

    /**
     * The held-out measurement (opt-in: {@code -Dprecis.smollm.activations.json=FILE}): SmolLM2's 210 linear layers
     * ({@code blk.*}) at int8 per channel weights, with int8 inputs per token, ± SmoothQuant α searched on the
     * norm-fed layers (q, k, v, gate, up) or on all of them, symmetric and asymmetric codes; calibration and evaluation
     * windows disjoint.
     * Sizes: {@code precis.smollm.context} (32), {@code .calibration} (8 windows), {@code .windows} (8 evaluated).
     */
    @Test
    void smolLm2W8a8AgainstW8a16OnHeldOutWindows() throws Exception {
        String json = System.getProperty("precis.smollm.activations.json");
        assumeTrue(json != null, "opt-in measurement: -Dprecis.smollm.activations.json=FILE");
        Path file = CachedModels.find(CachedModels.SMOLLM2).orElse(null);
        assumeTrue(file != null, CachedModels.missing(CachedModels.SMOLLM2));
        int context = Integer.getInteger("precis.smollm.context", 32), calWindows = Integer.getInteger("precis.smollm.calibration", 8),
                windows = Integer.getInteger("precis.smollm.windows", 8);
        long t0 = System.nanoTime();
        try (Model m = Models.load(file)) {
            TextCorpus text = Datasets.text(TestFiles.sentences()).withContext(context);
            var split = Datasets.split(text, (int) (calWindows * context * 4.6), 0);
            Calibration cal = new Calibration(split.calibration(), calWindows, 0, 4, false);
            Analysis a = Analysis.of(m, split.evaluation()).samples(windows).batchSize(4).cache(SensitivityCache.inMemory());
            List<LayerPattern> star = List.of(LayerPattern.glob("blk.*"));
            List<LayerPattern> normFed = java.util.stream.Stream.of("*.attn_q", "*.attn_k", "*.attn_v", "*.ffn_gate", "*.ffn_up")
                    .map(LayerPattern::glob).toList();
            Rule weights = Rule.quantize("w", star, Formats.parse("int8 per channel"));
            ActivationSpec token = new ActivationSpec(ActivationQuant.Granularity.PER_TOKEN, true), asym = token.asymmetricCodes();
            Map<String, List<Rule>> plans = new LinkedHashMap<>();
            plans.put("W8A16 (int8 per channel weights only)", List.of(weights));
            plans.put("W8A8, int8 per token", List.of(weights, Rule.activations("a", star, token)));
            plans.put("W8A8 per token + SmoothQuant α searched (norm-fed)", List.of(weights, Rule.activations("a", star, token),
                    Rule.activations("s", normFed, token.searchingSmoothQuant())));
            plans.put("W8A8 per token asymmetric", List.of(weights, Rule.activations("a", star, asym)));
            plans.put("W8A8 per token asymmetric + SmoothQuant α searched (norm-fed)", List.of(weights, Rule.activations("a", star, asym),
                    Rule.activations("s", normFed, asym.searchingSmoothQuant())));
            // the divisor stays explicit in the blocks, so layers fed by no norm (attn_output, ffn_down) can be smoothed too
            plans.put("W8A8 per token + SmoothQuant α searched (all 210)", List.of(weights, Rule.activations("s", star, token.searchingSmoothQuant())));
            plans.put("W8A8 per token asymmetric + SmoothQuant α searched (all 210)", List.of(weights, Rule.activations("s", star, asym.searchingSmoothQuant())));
            com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode n = om.createObjectNode();
            n.put("model", file.getFileName().toString()).put("layers", "blk.*").put("context", context).put("calibration_windows", calWindows)
                    .put("evaluation_windows", windows).put("seed", 0);
            com.fasterxml.jackson.databind.node.ArrayNode rows = n.putArray("rows");
            double w8a16 = Double.NaN;
            for (Map.Entry<String, List<Rule>> e : plans.entrySet()) {
                long ts = System.nanoTime();
                Plan p = Planner.resolve(m.name(), m.layers(), e.getValue(), SensitivityLookup.NONE);
                io.precis.engine.analysis.PlanEvaluation r = a.evaluate(p, cal);
                double kl = r.evaluation().get(io.precis.engine.eval.Metric.KL), ppl = r.evaluation().get(io.precis.engine.eval.Metric.PERPLEXITY);
                if (Double.isNaN(w8a16)) w8a16 = kl;
                n.put("perplexity_full_precision", r.baseline().get(io.precis.engine.eval.Metric.PERPLEXITY));
                if (r.samples() != null) n.put("samples", r.samples().text()).put("overlap", r.samples().overlap());
                rows.addObject().put("plan", e.getKey()).put("kl", kl).put("kl_vs_w8a16", kl / w8a16).put("perplexity", ppl)
                        .put("one_minus_cosine", r.metrics().getOrDefault(io.precis.engine.analysis.SensitivityMetric.ONE_MINUS_COSINE, Double.NaN))
                        .put("calibration", r.calibration()).put("seconds", (System.nanoTime() - ts) / 1e9);
                System.out.printf(Locale.ROOT, "smollm2 %s: KL %.5f (%.2fx W8A16), perplexity %.3f; %s%n", e.getKey(), kl, kl / w8a16, ppl, r.calibration());
            }
            n.put("seconds", (System.nanoTime() - t0) / 1e9);
            Path out = Path.of(json);
            if (out.getParent() != null) java.nio.file.Files.createDirectories(out.getParent());
            io.precis.engine.io.AtomicFiles.writeString(out, om.writerWithDefaultPrettyPrinter().writeValueAsString(n));
        }
    }

    @Test
    void torchScriptRefusesClearly() {
        try (Model m = Models.load(TestFiles.models("torchscript/fashion_cnn.pt"))) {
            LayerRef fc = m.layers().stream().filter(l -> l.weights().size() == 1 && l.weight().shape().length == 2).findFirst().orElseThrow();
            Exception e = assertThrows(UnsupportedOperationException.class, () -> m.quantizeActivations(Map.of(fc, TOKEN), Map.of()));
            assertTrue(e.getMessage().contains("TorchScript") && e.getMessage().contains("ONNX"), e.getMessage());
            assertTrue(!m.activationsQuantized());
        }
    }
}
