package io.precis.engine.io;

import java.nio.file.Path;

/**
 * An export that did not happen: its message is {@code cannot write PATH: REASON}, the path named once;
 * {@link #reason()} alone is for a caller that shows the path itself (the language points at its span).
 */
public final class WriteFailed extends IllegalArgumentException {
    private final transient Path path;
    private final String reason;

    public WriteFailed(Path path, String reason, Throwable cause) {
        super("cannot write " + path + ": " + reason, cause);
        this.path = path;
        this.reason = reason;
    }

    public Path path() {
        return path;
    }

    public String reason() {
        return reason;
    }
}
