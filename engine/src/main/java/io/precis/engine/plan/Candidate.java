package io.precis.engine.plan;

import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;

/**
 * A layer a rule is about to decide, as its {@code where} condition sees it: the layer, its position in the
 * model and the format the rule would give it; sensitivity is computed only when the condition asks.
 */
public record Candidate(LayerRef layer, int index, Format format, SensitivityLookup sensitivities) {

    public String name() {
        return layer.name();
    }

    public String kind() {
        return layer.kind().label();
    }

    public long params() {
        return layer.params();
    }

    /** The metric change when only this layer is quantized to the rule's format. */
    public double sensitivity() {
        return sensitivities.sensitivity(layer, format);
    }
}
