package io.precis.language.testkit;

import java.util.List;

/**
 * What one cell did: its error ({@code ename} and the formatted message with {@code line:col} and carets) or
 * none, the text lines and warnings it printed, and the results it showed (plans, tables, figures...).
 */
public record CellResult(String ename, String error, List<String> text, List<String> warnings, List<Object> shown) {

    public CellResult {
        text = List.copyOf(text);
        warnings = List.copyOf(warnings);
        shown = List.copyOf(shown);
    }

    public boolean ok() {
        return ename == null;
    }

    /** Fails with the cell's error when it had one. */
    public CellResult assertOk() {
        if (!ok()) {
            throw new AssertionError("the cell failed: " + ename + ": " + error);
        }
        return this;
    }

    /** Fails unless the cell failed with {@code ename}; returns its formatted message. */
    public String assertFailed(String expectedEname) {
        if (!expectedEname.equals(ename)) {
            throw new AssertionError("expected " + expectedEname + " but the cell " + (ok() ? "succeeded" : "failed with " + ename + ": " + error));
        }
        return error;
    }

    /** The last result shown, as the given type. */
    public <T> T lastShown(Class<T> type) {
        for (int i = shown.size() - 1; i >= 0; i--) {
            if (type.isInstance(shown.get(i))) {
                return type.cast(shown.get(i));
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " was shown; shown: " + shown.stream().map(o -> o.getClass().getSimpleName()).toList());
    }

    /** Every printed line, joined. */
    public String textOutput() {
        return String.join("\n", text);
    }
}
