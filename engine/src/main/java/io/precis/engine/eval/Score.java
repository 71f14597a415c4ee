package io.precis.engine.eval;

/** One measured number with what it means and where it came from. */
public record Score(Metric metric, double value, Provenance provenance) {
    @Override
    public String toString() {
        return metric.label() + " = " + String.format(java.util.Locale.ROOT, "%.6g", value) + "  [" + provenance.shortText() + "]";
    }
}
