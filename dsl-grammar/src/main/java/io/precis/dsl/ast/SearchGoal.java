package io.precis.dsl.ast;

/** What {@code search} optimises. */
public sealed interface SearchGoal extends Node {

    /** {@code search budget 4.5 bits}: the smallest metric change with at most this many bits per weight. */
    record BitBudget(NumberLiteral bitsPerWeight, Span span) implements SearchGoal {
    }

    /** {@code search tolerance 0.01}: the fewest bits per weight whose metric change stays within this. */
    record Tolerance(NumberLiteral maxChange, Span span) implements SearchGoal {
    }
}
