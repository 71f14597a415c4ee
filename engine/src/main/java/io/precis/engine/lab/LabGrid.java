package io.precis.engine.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * A grid of cells: every size × token budget × training precision × seed, all with one context, batch,
 * peak learning rate and held-out measurement. {@link #full()} is {@code make scaling-lab}'s; {@link #small()}
 * is the minutes-long one {@code make test} runs to keep the pipeline honest.
 */
public record LabGrid(String name, List<LabSize> sizes, List<Long> budgets, List<TrainPrecision> precisions, List<Long> seeds,
                      int context, int batch, float lr, int evalWindows, int group) {

    /**
     * 3 sizes (N = 55,536 / 100,672 / 332,448) × 5 budgets (0.1M..3.2M tokens, 32×) × fp32, bf16, QAT int8/6/4: 75
     * runs, 86.7M tokens in about 42k steps of 2,048 tokens: about 5 CPU-hours at the one-thread rates measured here
     * (w48l2 9.6k, w64l2 7.5k, w96l3 4.9k tokens/s in fp32, QAT about 0.7x that, plus the PTQ measurements), so about
     * 3 hours on 2 cores by those loaded rates; it ran in 49 minutes here on 2026-12-05 (models/lab/ptq-full.csv);
     * far less on a GPU.
     */
    public static LabGrid full() {
        return new LabGrid("full", List.of(LabSize.of(48, 2, 4), LabSize.of(64, 2, 4), LabSize.of(96, 3, 4)),
                List.of(100_000L, 250_000L, 630_000L, 1_600_000L, 3_200_000L),
                List.of(TrainPrecision.FP32, TrainPrecision.BF16, TrainPrecision.qat(8), TrainPrecision.qat(6), TrainPrecision.qat(4)),
                List.of(1L), 128, 16, 2e-3f, 256, 16);
    }

    /**
     * 3 tiny sizes × 5 budgets (128..4096 tokens, 32×: 2..64 steps of 4 windows of 16) in fp32, plus bf16 and QAT int4
     * at the smallest size and the three smallest budgets: a pipeline check (a minute or two), not a result.
     */
    public static LabGrid small() {
        return new LabGrid("small", List.of(LabSize.of(16, 1, 2), LabSize.of(24, 1, 2), LabSize.of(32, 1, 2)),
                List.of(128L, 320L, 768L, 1_920L, 4_096L),
                List.of(TrainPrecision.FP32, TrainPrecision.BF16, TrainPrecision.qat(4)),
                List.of(1L), 16, 4, 1e-2f, 16, 16);
    }

    /**
     * The same grid with other seeds and training precisions (null keeps the grid's): a second seed of the fp32 cells
     * is {@code full.with(List.of(2L), List.of(TrainPrecision.FP32))}, trained into the same folder beside the first.
     */
    public LabGrid with(List<Long> seeds, List<TrainPrecision> precisions) {
        return new LabGrid(name, sizes, budgets, precisions == null ? this.precisions : List.copyOf(precisions),
                seeds == null ? this.seeds : List.copyOf(seeds), context, batch, lr, evalWindows, group);
    }

    public static LabGrid named(String name) {
        return switch (name) {
            case "full" -> full();
            case "small" -> small();
            default -> throw new IllegalArgumentException("unknown grid '" + name + "'; use full or small");
        };
    }

    /** The cells, by precision then size. The small grid trains bf16 and QAT only at its first size and three smallest budgets. */
    public List<LabCell> cells() {
        List<LabCell> out = new ArrayList<>();
        for (TrainPrecision p : precisions)
            for (int si = 0; si < sizes.size(); si++) {
                if (name.equals("small") && p != TrainPrecision.FP32 && si > 0) continue;
                for (long d : budgets) {
                    if (name.equals("small") && p != TrainPrecision.FP32 && d > budgets.get(2)) continue;
                    for (long seed : seeds) out.add(new LabCell(sizes.get(si), d, p, seed, context, batch, lr));
                }
            }
        return out;
    }
}
