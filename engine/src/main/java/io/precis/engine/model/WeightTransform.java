package io.precis.engine.model;

import java.util.function.Consumer;

/**
 * Changes one weight tensor in place, e.g. fake-quantizes it to a format. Used by {@link Model#swap};
 * the model keeps the original bits and puts them back on {@link Model#restore}.
 */
@FunctionalInterface
public interface WeightTransform {

    void apply(WeightView weight);

    /** Short description for provenance, e.g. {@code int8 per-channel}. */
    default String label() {
        return "custom";
    }

    static WeightTransform of(String label, Consumer<WeightView> body) {
        return new WeightTransform() {
            @Override public void apply(WeightView w) { body.accept(w); }
            @Override public String label() { return label; }
            @Override public String toString() { return label; }
        };
    }
}
