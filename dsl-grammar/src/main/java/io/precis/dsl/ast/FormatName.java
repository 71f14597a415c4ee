package io.precis.dsl.ast;

/**
 * A number format as written ({@code int4}, {@code fp8_e4m3}, {@code mxfp4}). The grammar accepts any
 * word here; whether the engine knows the format is checked later, with a suggestion.
 */
public record FormatName(String name, Span span) implements Node {

    public FormatName {
        java.util.Objects.requireNonNull(name);
    }
}
