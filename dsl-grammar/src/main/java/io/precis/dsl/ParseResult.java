package io.precis.dsl;

import io.precis.dsl.ast.Program;
import io.precis.dsl.diagnostic.Diagnostic;
import io.precis.dsl.diagnostic.Diagnostics;
import java.util.List;

/**
 * What parsing a cell gives: the statements that parsed (a statement with a syntax error is left out)
 * and every diagnostic, in source order. Run the program only when {@link #hasErrors()} is false.
 */
public record ParseResult(String source, Program program, List<Diagnostic> diagnostics) {

    public ParseResult {
        diagnostics = List.copyOf(diagnostics);
    }

    public boolean hasErrors() {
        return diagnostics.stream().anyMatch(Diagnostic::isError);
    }

    /** Every diagnostic as the user reads it: {@code line L:C: message}, the source line, carets. */
    public String formatDiagnostics() {
        return Diagnostics.format(source, diagnostics);
    }
}
