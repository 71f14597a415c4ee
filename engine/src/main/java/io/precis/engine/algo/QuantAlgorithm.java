package io.precis.engine.algo;

import io.precis.engine.calib.LayerStats;
import io.precis.engine.format.Format;
import java.util.List;
import java.util.Locale;

/**
 * How a plan's rule turns a layer's weights into quantized ones: round to nearest ({@link Rtn}, no calibration),
 * {@link GptqAlgorithm} or {@link AwqAlgorithm} (both read the layer's calibration statistics). Weights are
 * [rows][cols], cols the layer's input features (the reduction axis); the result is the dequantized weights in
 * the same layout.
 */
public sealed interface QuantAlgorithm {

    /** The word the language uses: rtn, gptq, awq. */
    String name();

    /** Whether it reads calibration statistics (then the plan needs calibration data). */
    boolean needsCalibration();

    /** Whether the statistics must hold XᵀX (d² floats per layer) rather than only per-channel magnitudes. */
    default boolean needsGram() { return needsCalibration(); }

    /** Quantizes {@code w} [rows][cols] (not modified) with {@code format}; {@code stats} may be null for RTN. */
    float[] quantize(float[] w, int rows, int cols, Format format, LayerStats stats);

    /** Name and every option, e.g. {@code gptq (damp 0.01, block 128, act-order none)}. */
    String describe();

    /**
     * What an export needs beyond the dequantized weights.
     *
     * @param weights       as {@link #quantize} returns them
     * @param inputScales   AWQ's per-input-channel scales s (the weights are RTN(W·diag(s))·diag(1/s)), else null
     * @param groupOfColumn GPTQ with dynamic act-order: each input column's group (g_idx), else null
     */
    record Detailed(float[] weights, float[] inputScales, int[] groupOfColumn) {}

    /** {@link #quantize} with what an export needs to store the result as codes (see {@link Detailed}). */
    default Detailed quantizeDetailed(float[] w, int rows, int cols, Format format, LayerStats stats) {
        return new Detailed(quantize(w, rows, cols, format, stats), null, null);
    }

    QuantAlgorithm RTN = new Rtn();

    /** The default options of an algorithm by its word. */
    static QuantAlgorithm of(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "rtn" -> RTN;
            case "gptq" -> new GptqAlgorithm(Gptq.Options.DEFAULT);
            case "awq" -> new AwqAlgorithm(Awq.Options.DEFAULT);
            default -> throw new IllegalArgumentException("unknown algorithm '" + name + "'; algorithms: rtn, gptq, awq");
        };
    }

    /** Round to nearest with the format's own scales (what every analysis measures). */
    record Rtn() implements QuantAlgorithm {
        public String name() { return "rtn"; }

        public boolean needsCalibration() { return false; }

        public float[] quantize(float[] w, int rows, int cols, Format format, LayerStats stats) {
            float[] q = w.clone();
            IntGrid.rowsLayout(format).fakeQuantize(q, rows, cols);
            return q;
        }

        public String describe() { return "rtn"; }
    }

    /** GPTQ with H = 2/n·XᵀX of the layer's calibration inputs (see {@link Gptq}). */
    record GptqAlgorithm(Gptq.Options options) implements QuantAlgorithm {
        public String name() { return "gptq"; }

        public boolean needsCalibration() { return true; }

        public float[] quantize(float[] w, int rows, int cols, Format format, LayerStats stats) {
            return Gptq.quantize(w, rows, cols, stats.hessian(), format, options).weights();
        }

        @Override
        public Detailed quantizeDetailed(float[] w, int rows, int cols, Format format, LayerStats stats) {
            Gptq.Result r = Gptq.quantize(w, rows, cols, stats.hessian(), format, options);
            return new Detailed(r.weights(), null, options.actOrder() == Gptq.ActOrder.DYNAMIC ? r.groupOfColumn() : null);
        }

        public String describe() {
            return String.format(Locale.ROOT, "gptq (damp %s, block %d, act-order %s)", options.damp(), options.block(),
                    options.actOrder().name().toLowerCase(Locale.ROOT));
        }
    }

    /**
     * AWQ's scale search on the layer's own output error, the scales kept explicit (W·diag(s) quantized, then
     * ·diag(1/s)): the same function as folding 1/s into the operation before, which an export does.
     */
    record AwqAlgorithm(Awq.Options options) implements QuantAlgorithm {
        public String name() { return "awq"; }

        public boolean needsCalibration() { return true; }

        public float[] quantize(float[] w, int rows, int cols, Format format, LayerStats stats) {
            return quantizeDetailed(w, rows, cols, format, stats).weights();
        }

        @Override
        public Detailed quantizeDetailed(float[] w, int rows, int cols, Format format, LayerStats stats) {
            // Awq.search compares errors only, so 2/n·XᵀX serves as XᵀX
            Awq.Result r = Awq.search(List.of(new Awq.Weight(w, rows)), cols, stats.hessian(), stats.meanAbs(), format, options);
            return new Detailed(r.weights().get(0), r.scales(), null);
        }

        public String describe() {
            return String.format(Locale.ROOT, "awq (grid %d, duo scaling %s, scales kept explicit)", options.grid(), options.duoScaling() ? "on" : "off");
        }
    }
}
