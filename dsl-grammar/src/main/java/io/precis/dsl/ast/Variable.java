package io.precis.dsl.ast;

/**
 * A name that is not a DSL word: a Java variable of the session (including results bound with
 * {@code as name}), read when the statement runs. Case-sensitive, unlike keywords.
 */
public record Variable(String name, Span span) implements Operand, Subject {

    public Variable {
        java.util.Objects.requireNonNull(name);
    }
}
