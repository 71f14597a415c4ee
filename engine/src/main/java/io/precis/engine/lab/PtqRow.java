package io.precis.engine.lab;

/**
 * One measurement: a model (N non-embedding parameters, D training tokens, its training precision and seed)
 * quantized after training to {@code ptqFormat} at {@code bits} by {@code algorithm}, and its held-out loss
 * (nats per byte) before and after.
 */
public record PtqRow(long n, long d, String trainPrecision, String ptqFormat, int bits, String algorithm, long seed,
                     double lossFp, double lossQ) {

    /** δ_PTQ = loss_q − loss_fp: what quantization cost, in nats per token. */
    public double delta() {
        return lossQ - lossFp;
    }
}
