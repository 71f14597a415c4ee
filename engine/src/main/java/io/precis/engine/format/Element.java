package io.precis.engine.format;

import java.util.Arrays;

/** The number type of each stored weight of a {@link Format} (before scales are applied). */
public sealed interface Element permits Element.Int, Element.Float, Element.Table {

    /** Bits per stored element. */
    int bits();

    /** A two's complement or unsigned integer of {@code bits} bits. */
    record Int(int bits) implements Element {
        public Int {
            if (bits < 2 || bits > 8) {
                throw new IllegalArgumentException("int" + bits + ": integer formats take 2 to 8 bits (int2..int8)");
            }
        }
    }

    /** A small float. */
    record Float(MiniFloat type) implements Element {
        @Override
        public int bits() {
            return type.bits();
        }
    }

    /** A lookup table of 2^bits ascending levels in [-1, 1] (NF4). */
    record Table(String name, float[] levels) implements Element {
        public Table {
            levels = levels.clone();
            for (int i = 1; i < levels.length; i++) {
                if (!(levels[i] > levels[i - 1])) {
                    throw new IllegalArgumentException(name + ": levels must be strictly ascending");
                }
            }
        }

        @Override
        public float[] levels() {
            return levels.clone();
        }

        @Override
        public int bits() {
            return Integer.numberOfTrailingZeros(levels.length);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Table t && t.name.equals(name) && Arrays.equals(t.levels, levels);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(levels);
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
