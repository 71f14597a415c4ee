package io.precis.dsl.ast;

import java.util.Optional;

/** How a {@code quantize} rule quantizes, beyond its format. Each kind may appear once per rule. */
public sealed interface QuantizeOption extends Node {

    /** {@code per tensor}, {@code per channel} or {@code group N}. */
    record Granularity(Kind kind, Optional<NumberLiteral> groupSize, Span span) implements QuantizeOption {

        public enum Kind { PER_TENSOR, PER_CHANNEL, GROUP }

        public Granularity {
            if ((kind == Kind.GROUP) != groupSize.isPresent()) {
                throw new IllegalArgumentException("a group size goes with group granularity only");
            }
        }

        /** The group size of {@code group N}; 0 for per tensor and per channel. */
        public int size() {
            return groupSize.map(n -> (int) n.value()).orElse(0);
        }
    }

    /**
     * {@code grid compressed-tensors} (symmetric codes −2^(n−1)..2^(n−1)−1, scale absmax/((2^n−1)/2), the grid vLLM and
     * llm-compressor use) or {@code grid precis} (±(2^(n−1)−1), absmax/(2^(n−1)−1), the default).
     */
    record Grid(boolean compressedTensors, Span span) implements QuantizeOption {
    }

    /** {@code symmetric} or {@code asymmetric} (with a zero point). */
    record Symmetry(boolean symmetric, Span span) implements QuantizeOption {
    }

    /**
     * {@code stochastic [seed N]}: stochastic rounding. Without it values round to nearest, ties to even
     * (what the {@code rtn} algorithm does).
     */
    record StochasticRounding(Optional<NumberLiteral> seed, Span span) implements QuantizeOption {
    }

    /** {@code absmax}, {@code mse} (search for the clipping range with the least error) or {@code percentile P}. */
    record Clipping(Method method, Optional<NumberLiteral> percentile, Span span) implements QuantizeOption {

        public enum Method { ABSMAX, MSE, PERCENTILE }

        public Clipping {
            if ((method == Method.PERCENTILE) != percentile.isPresent()) {
                throw new IllegalArgumentException("a percentile goes with percentile clipping only");
            }
        }
    }

    /** {@code rtn} (round to nearest, the default), {@code gptq} or {@code awq}. */
    record Algorithm(Kind kind, Span span) implements QuantizeOption {

        public enum Kind { RTN, GPTQ, AWQ }
    }
}
