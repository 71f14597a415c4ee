package io.precis.dsl.ast;

/**
 * A name the user writes in a statement that is not a variable reference: the name in {@code as best},
 * a setting in {@code set metric kl}, an option key, an engine, an export flavour.
 */
public record Name(String text, Span span) implements Node {

    public Name {
        java.util.Objects.requireNonNull(text);
    }
}
