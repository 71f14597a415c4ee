package io.precis.kernel.exec;

import io.precis.language.CellLanguage;
import io.precis.language.PrecisError;

/**
 * The execution JVM's end of a language cell. The kernel sends the cell here once (extension command
 * {@code precis.cell}); then one small snippet per statement calls {@link #statement}, so the statement reads
 * the Java variables it names when it runs, and a result named with {@code as name} is assigned to a Java
 * variable of its real type by that same snippet. See docs/ARCHITECTURE.md, "A language cell's path".
 */
public final class LanguageBridge {

    private LanguageBridge() {}

    /** Called by the kernel's snippet for statement {@code index} of the cell sent last. */
    public static Object statement(int index, Object[] values, String[] javaNames) {
        try {
            return CellLanguage.precis().runStatement(index, values, javaNames);
        } catch (PrecisError e) {
            throw new Failed(e.getMessage());
        }
    }

    /** A mistake in the cell, already formatted with line:col and carets; the kernel shows it without a stack. */
    public static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failed(String formatted) {
            super(formatted, null, false, false);
        }
    }
}
