package io.precis.dsl.ast;

/** The value of a {@code set} statement or of a load option: a number, a string or a bare word. */
public sealed interface Value extends Node permits NumberLiteral, StringLiteral, Value.Word {

    /**
     * A bare word such as {@code kl} in {@code set metric kl} or {@code gpu} in {@code set device gpu}.
     * What it means depends on the setting; a setting may also read it as a Java variable.
     */
    record Word(String text, Span span) implements Value {
    }
}
