package io.precis.dsl.ast;

/**
 * A layer pattern. Globs are the default ({@code *} any run of characters, dots included; {@code ?} one
 * character; {@code [...]} a class); a pattern matches a layer when it matches the whole name or the part
 * after any dot. Regular expressions only through {@code re"..."}.
 */
public sealed interface Pattern extends Node {

    /** The pattern text as the user wrote it (without quotes when quoted). */
    String text();

    record Glob(String text, Span span) implements Pattern {
    }

    /** {@code re"..."}: a {@link java.util.regex.Pattern} source, checked to compile when parsed. */
    record Regex(String text, Span span) implements Pattern {
    }
}
