package io.precis.engine.metrics;

/**
 * How far an approximation is from a reference, all measures from one pass (sums in double).
 *
 * @param count             number of values compared
 * @param mse               mean of (r - a)^2
 * @param sqnrDb            10 log10(sum r^2 / sum (r - a)^2); +Infinity when exact
 * @param maxAbsError       largest |r - a|
 * @param cosine            (r . a) / (|r| |a|); 1 when both are all zero, 0 when only one is
 * @param relativeFrobenius |r - a| / |r|; 0 when exact, +Infinity when r is all zero and a is not
 */
public record ErrorReport(long count, double mse, double sqnrDb, double maxAbsError, double cosine,
                          double relativeFrobenius) {

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "mse %.6g, sqnr %.2f dB, max abs %.6g, cosine %.8f, rel frobenius %.6g (%d values)",
                mse, sqnrDb, maxAbsError, cosine, relativeFrobenius, count);
    }
}
