package io.precis.engine.format;

/** How a value between two representable neighbours is rounded. */
public sealed interface Rounding permits Rounding.NearestEven, Rounding.Stochastic {

    /** Round to nearest, ties to even (the default everywhere). */
    record NearestEven() implements Rounding {
        @Override
        public String toString() {
            return "rne";
        }
    }

    /**
     * Stochastic rounding: up with probability equal to the distance from the lower neighbour, as a fraction of
     * the gap. The random draw of each element depends only on the seed and the element's flat index, so results
     * are reproducible and do not depend on threads or on which kernel ran.
     */
    record Stochastic(long seed) implements Rounding {
        @Override
        public String toString() {
            return "stochastic seed " + seed;
        }
    }

    static Rounding nearestEven() {
        return new NearestEven();
    }

    static Rounding stochastic(long seed) {
        return new Stochastic(seed);
    }
}
