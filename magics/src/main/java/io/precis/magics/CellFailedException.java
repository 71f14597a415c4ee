package io.precis.magics;

/** Raised by {@link MagicContext#execute} when the executed code failed (its error has been shown already). */
public class CellFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    public CellFailedException(String message) {
        super(message);
    }
}
