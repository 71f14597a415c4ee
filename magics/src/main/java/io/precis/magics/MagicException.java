package io.precis.magics;

/** A user mistake in a magic (unknown name, bad argument): shown as its message alone, never a stack trace. */
public class MagicException extends Exception {
    private static final long serialVersionUID = 1L;

    public MagicException(String message) {
        super(message);
    }

    public MagicException(String message, Throwable cause) {
        super(message, cause);
    }
}
