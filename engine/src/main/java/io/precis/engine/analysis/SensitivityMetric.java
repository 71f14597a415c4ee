package io.precis.engine.analysis;

import io.precis.engine.model.ModelTask;
import java.util.Arrays;
import java.util.Locale;

/**
 * What a sensitivity score measures when some layers are quantized and the rest stay at full precision.
 * The output metrics compare against the full-precision outputs on the same data; {@link #WEIGHT_SQNR} reads
 * only the weights.
 */
public enum SensitivityMetric {
    /** Mean cross-entropy with the quantized layers minus at full precision (labels or next tokens), nats. */
    DELTA_LOSS("Δloss", "loss", "nats", true, true),
    /** Mean KL(full precision || quantized) over output distributions, nats. */
    KL("KL to full precision", "kl", "nats", true, true),
    /** Mean 1 − cosine between quantized and full-precision output vectors (embeddings or logit vectors). */
    ONE_MINUS_COSINE("1 − cosine", "cosine", "", true, true),
    /** 10·log10(Σ reference² / Σ (output − reference)²) over all outputs, dB: higher is better. */
    OUTPUT_SQNR("output SQNR", "sqnr", "dB", false, true),
    /** 10·log10(Σ w² / Σ (w − q(w))²) over the layer's weights, dB, no data: higher is better. */
    WEIGHT_SQNR("weight SQNR", "weight-sqnr", "dB", false, false),
    /**
     * Estimated, not measured: the second-order Taylor estimate of Δloss with the empirical Fisher diagonal for the
     * Hessian, ½·Σ F·(q(w) − w)², F the mean squared per-sample gradient of the loss, from backward passes over the
     * data ({@link ProxySensitivity#fisher}); nats. Needs a back-end with gradients (DJL PyTorch).
     */
    FISHER("Fisher estimate of Δloss", "fisher", "nats", true, true),
    /**
     * Estimated, not measured: each layer's mean squared output error from its calibration Hessian,
     * ½·tr(ΔW·H·ΔWᵀ) with H = 2/n·XᵀX of the layer's inputs on the data, captured in one forward pass
     * ({@link ProxySensitivity#hessian}); no model-level unit. Needs a back-end that captures layer inputs.
     */
    HESSIAN("Hessian proxy (layer output MSE)", "hessian", "", true, true);

    private final String label;
    private final String keyword;
    private final String unit;
    private final boolean higherIsWorse;
    private final boolean usesData;

    SensitivityMetric(String label, String keyword, String unit, boolean higherIsWorse, boolean usesData) {
        this.label = label;
        this.keyword = keyword;
        this.unit = unit;
        this.higherIsWorse = higherIsWorse;
        this.usesData = usesData;
    }

    /** How reports name it, e.g. {@code Δloss}. */
    public String label() { return label; }

    /** The word {@code set metric ...} takes: loss, kl, cosine, sqnr, weight-sqnr, fisher, hessian. */
    public String keyword() { return keyword; }

    public String unit() { return unit; }

    /** True for changes (Δloss, KL, 1 − cosine); false for the SQNRs, where a lower value means more damage. */
    public boolean higherIsWorse() { return higherIsWorse; }

    public boolean usesData() { return usesData; }

    /**
     * The value as an additive damage, the quantity the search sums over layers: the change itself for Δloss,
     * KL and 1 − cosine; for the SQNRs the noise-to-signal power ratio 10^(−dB/10), since independent noises
     * add in power.
     */
    public double damage(double value) {
        return higherIsWorse ? value : Math.pow(10, -value / 10);
    }

    /** The inverse of {@link #damage}: the metric value a summed damage predicts. */
    public double fromDamage(double damage) {
        if (higherIsWorse) return damage;
        return damage <= 0 ? Double.POSITIVE_INFINITY : -10 * Math.log10(damage);
    }

    /** True for the estimates ({@link #FISHER}, {@link #HESSIAN}): scores computed from gradients or layer statistics, not forward passes. */
    public boolean estimated() { return this == FISHER || this == HESSIAN; }

    /**
     * The metric a plan chosen with this one is measured in: itself for the measured metrics, Δloss for the Fisher
     * estimate (what it estimates), the task's default for the Hessian proxy (it has no model-level counterpart),
     * the output SQNR for the weight SQNR.
     */
    public SensitivityMetric measuredAs(ModelTask task) {
        return switch (this) {
            case FISHER -> DELTA_LOSS;
            case HESSIAN -> defaultFor(task);
            case WEIGHT_SQNR -> OUTPUT_SQNR;
            default -> this;
        };
    }

    /** The session default (VISION): Δloss where labels or next tokens exist, else 1 − cosine to full precision. */
    public static SensitivityMetric defaultFor(ModelTask task) {
        return task == ModelTask.EMBEDDING ? ONE_MINUS_COSINE : DELTA_LOSS;
    }

    /** Whether the model's outputs support this metric (loss and KL need labels or next tokens). */
    public boolean appliesTo(ModelTask task) {
        return !(task == ModelTask.EMBEDDING && (this == DELTA_LOSS || this == KL || this == FISHER));
    }

    /** From a keyword or label: loss, delta-loss, kl, cosine, sqnr, output-sqnr, weight-sqnr (case-insensitive). */
    public static SensitivityMetric parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT).replace('_', '-').replace(' ', '-');
        return switch (t) {
            case "loss", "delta-loss", "δloss", "dloss" -> DELTA_LOSS;
            case "kl", "kl-divergence" -> KL;
            case "cosine", "1-cosine", "one-minus-cosine" -> ONE_MINUS_COSINE;
            case "sqnr", "output-sqnr" -> OUTPUT_SQNR;
            case "weight-sqnr", "wsqnr" -> WEIGHT_SQNR;
            case "fisher" -> FISHER;
            case "hessian" -> HESSIAN;
            default -> throw new IllegalArgumentException("unknown metric '" + text + "'; metrics: "
                    + String.join(", ", Arrays.stream(values()).map(SensitivityMetric::keyword).toList()));
        };
    }

    /** The label with its unit, e.g. {@code output SQNR (dB)}. */
    public String labelWithUnit() {
        return unit.isEmpty() ? label : label + " (" + unit + ")";
    }
}
