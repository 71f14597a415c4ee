package io.precis.dsl.diagnostic;

import io.precis.dsl.ast.Span;
import java.util.Objects;
import java.util.Optional;

/**
 * A problem found in a cell, as a value: where it is, what is wrong, and optionally a suggestion
 * ("Did you mean int4?") and a help sentence (for example the list of known formats). It becomes text
 * only at the edge, through {@link Diagnostics#format}.
 *
 * @param message    what is wrong, without a final period, e.g. {@code unknown format 'in4'}
 * @param suggestion the closest valid word, shown as "Did you mean X?"
 * @param help       a further sentence, shown after the suggestion
 */
public record Diagnostic(Severity severity, Span span, String message, Optional<String> suggestion,
                         Optional<String> help) {

    public enum Severity { ERROR, WARNING }

    public Diagnostic {
        Objects.requireNonNull(severity);
        Objects.requireNonNull(span);
        Objects.requireNonNull(message);
        Objects.requireNonNull(suggestion);
        Objects.requireNonNull(help);
    }

    public static Diagnostic error(Span span, String message) {
        return new Diagnostic(Severity.ERROR, span, message, Optional.empty(), Optional.empty());
    }

    public static Diagnostic warning(Span span, String message) {
        return new Diagnostic(Severity.WARNING, span, message, Optional.empty(), Optional.empty());
    }

    public Diagnostic withSuggestion(String closest) {
        return new Diagnostic(severity, span, message, Optional.ofNullable(closest), help);
    }

    public Diagnostic withSuggestion(Optional<String> closest) {
        return new Diagnostic(severity, span, message, closest, help);
    }

    public Diagnostic withHelp(String sentence) {
        return new Diagnostic(severity, span, message, suggestion, Optional.ofNullable(sentence));
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /**
     * The one-line text after {@code line L:C: }, e.g.
     * {@code unknown format 'in4'. Did you mean int4? Formats: int2..int8, ...}.
     */
    public String text() {
        StringBuilder out = new StringBuilder();
        if (severity == Severity.WARNING) {
            out.append("warning: ");
        }
        out.append(message);
        suggestion.ifPresent(s -> out.append(". Did you mean ").append(s).append('?'));
        help.ifPresent(h -> out.append(suggestion.isPresent() ? " " : ". ").append(h));
        return out.toString();
    }
}
