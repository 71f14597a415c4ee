package io.precis.dsl;

/** The answer to Jupyter's {@code is_complete_request} for a DSL cell. */
public enum Completeness {
    /** Parses (or is empty): run it. */
    COMPLETE,
    /** Parses so far but stops mid-statement, e.g. {@code quantize * to}: wait for more lines. */
    INCOMPLETE,
    /** Has an error that more text cannot fix: run it to show the error. */
    INVALID;

    /** The status string of the Jupyter protocol. */
    public String jupyterStatus() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
