package io.precis.dsl.ast;

/** One side of a comparison in a {@code where} predicate. */
public sealed interface Operand extends Node permits Operand.FieldRef, NumberLiteral, StringLiteral, Variable {

    /** A property of the layer being tested: {@code sensitivity}, {@code params}, {@code kind}, ... */
    record FieldRef(Field field, Span span) implements Operand {
    }

    /** The layer properties a predicate can test. */
    enum Field {
        /** The change of the session metric when only this layer is quantized to the rule's format. */
        SENSITIVITY,
        /** The number of weights of the layer. */
        PARAMS,
        /** The layer's kind, e.g. "linear", "conv", "embedding", "norm". */
        KIND,
        /** The layer's full name, e.g. "encoder.layer.0.attention.self.query". */
        NAME,
        /** The layer's position in model order, from 0. */
        INDEX;

        /** How the field is written in source. */
        public String keyword() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
