package io.precis.language;

import java.util.List;
import java.util.Map;

/**
 * What the language needs of the Java session it runs beside, implemented by the kernel (over JShell and the
 * execution JVM) and by the cell test kit (in process).
 */
public interface JavaHost {

    /** The session's Java variables and their types, e.g. {@code x -> double}, as they are now. */
    Map<String, String> variableTypes();

    /**
     * Sends a cell to the language in the execution JVM ({@link CellLanguage#receiveCell}); once per cell,
     * before its first statement runs.
     *
     * @return false when it could not be delivered; the host then holds the error to show
     */
    boolean sendCell(CellText cell);

    /**
     * Runs statements {@code call.from()} to {@code call.to()} (exclusive) there ({@link CellLanguage#runStatements})
     * with the current values of their Java names, and binds the last one's result as a Java variable when
     * {@code call} names one. Java variables change only through such bindings, so the language runs every
     * statement up to the next binding in one call: a cell of any length costs a few calls, not one per statement.
     *
     * @return false when it failed; the host then holds the error to show
     */
    boolean runStatements(StatementCall call);

    /** The execution JVM's answer ({@link CellLanguage#answer}), or null when it cannot answer now. */
    Object ask(CellLanguage.Question question, String argument);

    /**
     * Statements {@code from..to-1} to run. {@code arguments} are their Java names ({@link CellText#names}
     * of the range), null where no Java variable of that name exists; {@code javaNames} every Java name of the
     * session when some are missing (for suggestions), else null; {@code bindName}/{@code bindType} the last
     * statement's {@code as name} binding, or null; {@code line} the first statement's line in the cell.
     */
    record StatementCall(int from, int to, List<String> arguments, List<String> javaNames, String bindName, Class<?> bindType, int line) {
        public StatementCall {
            arguments = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(arguments));
            javaNames = javaNames == null ? null : List.copyOf(javaNames);
        }
    }
}
