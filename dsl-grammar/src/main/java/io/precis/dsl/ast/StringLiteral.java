package io.precis.dsl.ast;

/**
 * A double-quoted string on one line, unescaped: {@code \"} is a quote and {@code \\} a backslash;
 * any other backslash is kept as written (so {@code "C:\data"} works).
 */
public record StringLiteral(String value, Span span) implements Operand, Value {

    public StringLiteral {
        java.util.Objects.requireNonNull(value);
    }
}
