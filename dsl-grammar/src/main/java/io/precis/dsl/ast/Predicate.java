package io.precis.dsl.ast;

/** A {@code where} condition over layers. {@code not} binds tighter than {@code and}, which binds tighter than {@code or}. */
public sealed interface Predicate extends Node {

    record Or(Predicate left, Predicate right, Span span) implements Predicate {
    }

    record And(Predicate left, Predicate right, Span span) implements Predicate {
    }

    record Not(Predicate operand, Span span) implements Predicate {
    }

    record Comparison(Operand left, Comparator comparator, Operand right, Span span) implements Predicate {
    }

    enum Comparator {
        LESS("<"), LESS_OR_EQUAL("<="), GREATER(">"), GREATER_OR_EQUAL(">="), EQUAL("="), NOT_EQUAL("!=");

        private final String symbol;

        Comparator(String symbol) {
            this.symbol = symbol;
        }

        /** The canonical way to write it ({@code ==} and {@code <>} are also accepted). */
        public String symbol() {
            return symbol;
        }
    }
}
