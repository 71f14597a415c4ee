package io.precis.engine.analysis;

import io.precis.engine.data.Datasets;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Formats;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import io.precis.engine.model.gguf.CachedModels;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.file.Path;
import java.util.List;

/**
 * SmolLM2's causal-LM memory, run in a JVM with a small heap ({@code -Xmx}): the full-precision pass over every
 * 256-token window of a text (31 for sentences.txt: 1.55 GB of logits if they were kept) and a Δloss/KL
 * sensitivity of one layer on the same windows (streamed: the full-precision logits recomputed per batch). Prints
 * the heap's peak use (all pools, garbage included) and the process's peak resident memory.
 * Usage: {@code java -Xmx1g -cp ... LlmMemoryCheck sentences.txt}.
 */
public final class LlmMemoryCheck {
    private LlmMemoryCheck() {}

    public static void main(String[] args) throws Exception {
        Path gguf = CachedModels.find(CachedModels.SMOLLM2).orElseThrow(() -> new IllegalStateException(CachedModels.missing(CachedModels.SMOLLM2)));
        try (Model m = Models.load(gguf)) {
            TextCorpus text = Datasets.text(Path.of(args[0])).withContext(256);
            Evaluator ev = new Evaluator(m, text, 32, 0, Integer.MAX_VALUE);
            double ppl = ev.evaluate().get(Metric.PERPLEXITY);
            System.out.printf("full-precision pass: %d windows, perplexity %.4f, heap max %d MB, peak heap used %d MB, VmHWM %d MB%n",
                    ev.samples(), ppl, Runtime.getRuntime().maxMemory() >> 20, peakHeapMb(), vmHwmMb());
            Analysis a = Analysis.of(m, text).samples(Integer.MAX_VALUE).cache(SensitivityCache.inMemory());
            double d = a.sensitivity(List.of(m.layer("blk.29.ffn_down")), List.of(Formats.parse("q4_0"))).value(m.layer("blk.29.ffn_down"), Formats.parse("q4_0"));
            System.out.printf("sensitivity of blk.29.ffn_down at q4_0 on those windows: Δloss %.6f; peak heap used %d MB, VmHWM %d MB%n",
                    d, peakHeapMb(), vmHwmMb());
        }
        System.exit(0);
    }

    private static long peakHeapMb() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == java.lang.management.MemoryType.HEAP) sum += p.getPeakUsage().getUsed();
        return sum >> 20;
    }

    private static long vmHwmMb() throws Exception {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) >> 10;
        return -1;
    }
}
