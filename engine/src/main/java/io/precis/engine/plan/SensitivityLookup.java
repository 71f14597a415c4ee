package io.precis.engine.plan;

import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import java.util.OptionalDouble;

/**
 * Per-layer sensitivity: the change of the session's metric when only that layer is quantized to that
 * format. {@link #sensitivity} may compute (and cache) what is missing; {@link #known} never computes.
 */
public interface SensitivityLookup {

    double sensitivity(LayerRef layer, Format format);

    OptionalDouble known(LayerRef layer, Format format);

    /** What the scores measure, e.g. "Δloss on calib (256 samples)", for every report that shows them. */
    String describe();

    /** No sensitivity available: asking for one is an error that says how to get it. */
    SensitivityLookup NONE = new SensitivityLookup() {
        @Override
        public double sensitivity(LayerRef layer, Format format) {
            throw new IllegalStateException("sensitivity needs a model and data: 'use MODEL on DATASET' first");
        }

        @Override
        public OptionalDouble known(LayerRef layer, Format format) {
            return OptionalDouble.empty();
        }

        @Override
        public String describe() {
            return "no sensitivity (no data in use)";
        }
    };
}
