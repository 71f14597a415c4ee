package io.precis.engine.model;

/** What a layer does, in the words a quantization user uses. */
public enum LayerKind {
    LINEAR, CONV, EMBEDDING, NORM, HEAD, OTHER;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
