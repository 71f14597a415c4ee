package io.precis.engine.model.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Formats;
import io.precis.engine.model.Activation;
import io.precis.engine.model.LayerKind;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelException;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.ModelOutput;
import io.precis.engine.model.Models;
import io.precis.engine.model.WeightTransform;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GGUF models through Models.load: layer table, forward pass against numpy, swaps. */
class GgufModelTest {
    static final Path PYTHON = Path.of("../.venv/bin/python");

    static ModelInput tokens(long[] ids) {
        long[] mask = new long[ids.length];
        java.util.Arrays.fill(mask, 1);
        return new ModelInput.Tokens(new long[][] {ids}, new long[][] {mask});
    }

    /** Runs tests/reference/llama_numpy.py on one window; returns its result.json (and logits when asked). */
    static JsonNode numpy(Path model, long[] ids, Path out, boolean logits) throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no project venv (make venv) for the numpy reference");
        Path idsFile = out.resolve("ids.txt");
        Files.writeString(idsFile, java.util.Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(" ")));
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), "../tests/reference/llama_numpy.py", model.toString(), idsFile.toString(), out.toString()));
        if (logits) cmd.add("--logits");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0, log);
        return new ObjectMapper().readTree(out.resolve("result.json").toFile());
    }

    static double meanNll(float[] logits, long[] ids, int vocab) {
        double s = 0;
        for (int pos = 0; pos + 1 < ids.length; pos++) {
            double max = Double.NEGATIVE_INFINITY, z = 0;
            for (int c = 0; c < vocab; c++) max = Math.max(max, logits[pos * vocab + c]);
            for (int c = 0; c < vocab; c++) z += Math.exp(logits[pos * vocab + c] - max);
            s += Math.log(z) + max - logits[pos * vocab + (int) ids[pos + 1]];
        }
        return s / (ids.length - 1);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void tinyModelLayersAndForwardPassMatchNumpy(boolean tied, @TempDir Path tmp) throws Exception {
        Path file = TinyGguf.write(tmp.resolve("tiny.gguf"), 5, tied);
        try (Model m = Models.load(file)) {
            assertEquals("tiny", m.name());
            List<String> names = m.layers().stream().map(LayerRef::name).toList();
            assertEquals("token_embd", names.get(0));
            assertEquals(List.of("blk.0.attn_norm", "blk.0.attn_q", "blk.0.attn_k", "blk.0.attn_v", "blk.0.attn_output",
                    "blk.0.ffn_norm", "blk.0.ffn_gate", "blk.0.ffn_up", "blk.0.ffn_down"), names.subList(1, 10));
            assertEquals(tied ? "output_norm" : "output", names.get(names.size() - 1));
            assertEquals(14, m.layers(LayerKind.LINEAR).size());
            assertEquals(LayerKind.EMBEDDING, m.layer("token_embd").kind());
            assertEquals(LayerKind.NORM, m.layer("blk.1.ffn_norm").kind());
            if (!tied) assertEquals(LayerKind.HEAD, m.layer("output").kind());
            assertArrayEquals(new long[] {TinyGguf.FF, TinyGguf.WIDTH}, m.layer("blk.0.ffn_up").shape());
            assertEquals(m.layers().size(), m.stages() == TinyGguf.BLOCKS + 2 ? m.layers().size() : -1);
            long[] ids = new SplittableRandom(3).longs(24, 0, 266).toArray();
            ModelOutput out = m.forward(tokens(ids));
            int vocab = out.width();
            assertArrayEquals(new long[] {1, 24, 268}, out.shape());
            JsonNode ref = numpy(file, ids, tmp, true);
            byte[] lb = Files.readAllBytes(tmp.resolve("logits.f32"));
            float[] want = new float[lb.length / 4];
            ByteBuffer.wrap(lb).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(want);
            double maxDiff = 0, maxAbs = 0;
            for (int i = 0; i < want.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(want[i] - out.values()[i]));
                maxAbs = Math.max(maxAbs, Math.abs(want[i]));
            }
            assertTrue(maxDiff <= 1e-4 * Math.max(1, maxAbs), "logits differ from numpy by " + maxDiff + " (max |logit| " + maxAbs + ")");
            assertEquals(ref.get("nll").asDouble(), meanNll(out.values(), ids, vocab), 1e-5);
        }
    }

    @Test
    void swapRestoreIsBitExactAndStagesResume(@TempDir Path tmp) {
        Path file = TinyGguf.write(tmp.resolve("tiny.gguf"), 9, true);
        try (Model m = Models.load(file)) {
            long[] ids = new SplittableRandom(4).longs(16, 0, 266).toArray();
            String hash = m.weightsHash();
            ModelOutput full = m.forward(tokens(ids));
            List<Activation> inputs = new ArrayList<>();
            ModelOutput collected = m.forwardCollecting(tokens(ids), inputs);
            assertArrayEquals(full.values(), collected.values());
            assertEquals(TinyGguf.BLOCKS + 1, inputs.size());
            List<LayerRef> mlp = m.layers().stream().filter(l -> l.name().matches("blk\\.1\\.ffn_(gate|up|down)")).toList();
            m.swap(mlp, WeightTransform.fakeQuantize(Formats.parse("q2_k")));
            assertNotEquals(hash, m.weightsHash());
            ModelOutput q = m.forward(tokens(ids));
            assertNotEquals(full.values()[5], q.values()[5]);
            int stage = m.stageOf(mlp.get(0));
            assertEquals(2, stage);
            assertArrayEquals(q.values(), m.forwardFrom(tokens(ids), stage, inputs.get(stage - 1)).values());
            m.restoreAll();
            assertEquals(hash, m.weightsHash());
            assertArrayEquals(full.values(), m.forward(tokens(ids)).values());
        }
    }

    @Test
    void badFilesAreClearErrors(@TempDir Path tmp) throws Exception {
        Path file = TinyGguf.write(tmp.resolve("tiny.gguf"), 1, true);
        byte[] all = Files.readAllBytes(file);
        Path cut = tmp.resolve("cut.gguf");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 1000));
        ModelException e = assertThrows(ModelException.class, () -> Models.load(cut));
        assertTrue(e.getMessage().startsWith(cut + ": file is truncated or corrupt: tensor"), e.getMessage());
        // an architecture Precis does not run
        String s = new String(all, java.nio.charset.StandardCharsets.ISO_8859_1).replaceFirst("llama", "gpt2j");
        Path arch = tmp.resolve("arch.gguf");
        Files.write(arch, s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        e = assertThrows(ModelException.class, () -> Models.load(arch));
        assertTrue(e.getMessage().contains("architecture 'gpt2j' is not supported"), e.getMessage());
    }

    /**
     * SmolLM2 at full precision (its Q4_1 weights dequantized), through the evaluator: a prefix of sentences.txt
     * holding one window of 128 tokens; its perplexity equals tests/reference/llama_numpy.py's (numpy, float64,
     * committed by make_smollm2_reference.py) within 0.1 %. Then the memory a swap of the largest tensor takes.
     */
    @Test
    void smolLm2PerplexityEqualsNumpyOnOneWindow() throws Exception {
        Path file = CachedModels.find(CachedModels.SMOLLM2).orElse(null);
        assumeTrue(file != null, CachedModels.missing(CachedModels.SMOLLM2));
        JsonNode ref = new ObjectMapper().readTree(Path.of("src/test/resources/gguf/smollm2-reference.json").toFile());
        long t0 = System.nanoTime();
        try (Model m = Models.load(file)) {
            double load = (System.nanoTime() - t0) / 1e9;
            assertEquals(272, m.layers().size());
            assertEquals(210, m.layers(LayerKind.LINEAR).size());
            assertEquals(134_515_008L, m.params());
            String prefix = Files.readString(Path.of("../models/data/sentences.txt")).substring(0, 800);
            Evaluator ev = new Evaluator(m, new TextCorpus("sentences.txt prefix", prefix).withContext(128), 1, 0, 1);
            assertEquals(1, ev.samples());
            assertEquals(127, ev.scoredTokens());
            long[] window = ((ModelInput.Tokens) ev.inputs().get(0)).ids()[0];
            for (int i = 0; i < window.length; i++) assertEquals(ref.get("window").get(i).asLong(), window[i], "token " + i);
            long t1 = System.nanoTime();
            Evaluation e = ev.evaluate();
            double fwd = (System.nanoTime() - t1) / 1e9;
            double ppl = e.get(Metric.PERPLEXITY), want = ref.get("window_perplexity").asDouble();
            System.out.printf("SmolLM2 load %.2f s, evaluate %.2f s; window of %d tokens: perplexity %.4f (numpy %.4f, %+.5f%%)%n",
                    load, fwd, window.length, ppl, want, 100 * (ppl / want - 1));
            assertEquals(want, ppl, want * 0.001);
            assertEquals(Math.log(want), e.get(Metric.LOSS), 0.001);
            // memory of a swap: the model keeps one copy of the original; the kernels add no copy of their own
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            LayerRef embd = m.layer("token_embd");
            long bytes = embd.weight().params() * 4;
            long before = mx.getTotalThreadAllocatedBytes();
            m.swap(embd, WeightTransform.fakeQuantize(Formats.parse("q8_0")));
            long allocated = mx.getTotalThreadAllocatedBytes() - before;
            m.restoreAll();
            System.out.printf("swap of token_embd (%.1f MB) to q8_0 allocated %.1f MB of heap%n", bytes / 1e6, allocated / 1e6);
            assertTrue(allocated < 2 * bytes, "allocated " + allocated + " bytes swapping a tensor of " + bytes);
        }
    }
}
