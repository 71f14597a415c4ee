package io.precis.language;

/**
 * A mistake in a Precis-language cell, already formatted for the user: {@code line L:C: message}, the source
 * line and carets under the span, and a suggestion. Shown as it is, never with a stack trace.
 */
public class PrecisError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PrecisError(String formatted) {
        super(formatted, null, false, false);
    }
}
