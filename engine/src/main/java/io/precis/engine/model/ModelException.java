package io.precis.engine.model;

/**
 * Something about a model, a file or a dataset is wrong. The message names the thing (a file, a Maven
 * coordinate, a layer, a dataset) and the reason, ready to show to a user as it is.
 */
public class ModelException extends RuntimeException {
    private final String thing;
    private final String reason;

    public ModelException(String thing, String reason) {
        this(thing, reason, null);
    }

    public ModelException(String thing, String reason, Throwable cause) {
        super(thing + ": " + reason, cause);
        this.thing = thing;
        this.reason = reason;
    }

    /** What was wrong: a file path, a coordinate, a layer or dataset name. */
    public String thing() {
        return thing;
    }

    /** Why, in one sentence. */
    public String reason() {
        return reason;
    }
}
