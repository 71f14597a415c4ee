package io.precis.engine.format;

/** How the scale of each group is chosen from the group's values (non-finite values are never counted). */
public sealed interface ScaleRule permits ScaleRule.Absmax, ScaleRule.Mse, ScaleRule.Percentile {

    /** The group's largest magnitude maps to the largest code (asymmetric: min and max map to the code range). */
    record Absmax() implements ScaleRule {
        @Override
        public String toString() {
            return "absmax";
        }
    }

    /**
     * Clipping search: try the clipping ratios 1, 1 - 1/steps*maxShrink, ... (steps candidates down to
     * 1 - maxShrink + maxShrink/steps) applied to the absmax (or to min and max), and keep the one with the
     * smallest sum of squared errors over the group; ties keep the milder clipping.
     */
    record Mse(double maxShrink, int steps) implements ScaleRule {
        public static final double DEFAULT_MAX_SHRINK = 0.20;
        public static final int DEFAULT_STEPS = 20;

        public Mse {
            if (!(maxShrink > 0 && maxShrink < 1)) {
                throw new IllegalArgumentException("mse: max shrink must be in (0, 1), got " + maxShrink);
            }
            if (steps < 1 || steps > 1000) {
                throw new IllegalArgumentException("mse: steps must be 1..1000, got " + steps);
            }
        }

        /** The i-th clipping ratio, i = 0..steps-1 (0 is no clipping). */
        public float ratio(int i) {
            return (float) (1.0 - maxShrink * i / steps);
        }

        boolean isDefault() {
            return maxShrink == DEFAULT_MAX_SHRINK && steps == DEFAULT_STEPS;
        }

        @Override
        public String toString() {
            return isDefault() ? "mse" : "mse shrink " + maxShrink + " steps " + steps;
        }
    }

    /**
     * The p-th percentile of |x| replaces the absmax (asymmetric: the (100-p)-th and p-th percentiles of x
     * replace min and max). Nearest-rank definition: the value of rank ceil(p/100 * n) among the n finite values.
     */
    record Percentile(double percent) implements ScaleRule {
        public Percentile {
            if (!(percent > 0 && percent <= 100)) {
                throw new IllegalArgumentException("percentile must be in (0, 100], got " + percent);
            }
        }

        @Override
        public String toString() {
            return "percentile " + Formats.number(percent);
        }
    }

    static ScaleRule absmax() {
        return new Absmax();
    }

    static ScaleRule mse() {
        return new Mse(Mse.DEFAULT_MAX_SHRINK, Mse.DEFAULT_STEPS);
    }

    static ScaleRule percentile(double percent) {
        return new Percentile(percent);
    }
}
