package io.precis.kernel.exec;

import io.precis.language.CellLanguage;
import io.precis.language.PrecisError;

/**
 * The execution JVM's end of a language cell. The kernel sends the cell here once (extension command
 * {@code precis.cell}); then one small snippet per run of statements up to an {@code as name} calls
 * {@link #statements}, so the statements read the Java variables they name when they run, and a result named
 * with {@code as name} is assigned to a Java variable of its real type by that same snippet. See docs/ARCHITECTURE.md, "A language cell's path".
 */
public final class LanguageBridge {

    private LanguageBridge() {}

    /** Called by the kernel's snippet for statements {@code from..to-1} of the cell sent last. */
    public static Object statements(int from, int to, Object[] values, String[] javaNames) {
        try {
            return CellLanguage.precis().runStatements(from, to, values, javaNames);
        } catch (PrecisError e) {
            throw new Failed(e.getMessage());
        }
    }

    /**
     * What {@code as name} bound in this JVM's session, as JSON ({@link io.precis.language.Results}):
     * {@code precis run} prints this in a last, silent cell and writes it to results.json.
     */
    public static String results() {
        return io.precis.language.Results.json(io.precis.language.PrecisSession.current());
    }

    /** Writes {@link #results()} to {@code file} atomically (what {@code precis run}'s last, silent cell calls). */
    public static void writeResults(String file) throws java.io.IOException {
        io.precis.engine.io.AtomicFiles.writeString(java.nio.file.Path.of(file), results());
    }

    /** A mistake in the cell, already formatted with line:col and carets; the kernel shows it without a stack. */
    public static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failed(String formatted) {
            super(formatted, null, false, false);
        }
    }
}
