package io.precis.dsl.ast;

/**
 * A node of the Precis syntax tree. Every node is an immutable record that knows where it came from.
 * Nodes made by code use {@link Span#NONE}; {@link Nodes#withoutSpans} compares trees ignoring spans.
 */
public sealed interface Node
        permits Program, Statement, Source, Option, Name, FormatName, LayerSelection, Pattern,
                QuantizeOption, Predicate, Operand, Value, Subject, SearchGoal {

    Span span();
}
