package io.precis.dsl.ast;

/** One {@code key = value} of a load statement's {@code options (...)}. */
public record Option(Name key, Value value, Span span) implements Node {
}
