package io.precis.engine.analysis;

import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.plan.SensitivityLookup;
import java.util.OptionalDouble;

/**
 * An analysis's sensitivity scores as {@code where sensitivity < x} reads them: a score that is not cached yet
 * is measured on demand (one model evaluation), so a rule computes only the layers it asks about.
 */
public final class Sensitivity implements SensitivityLookup {
    private final Analysis analysis;

    Sensitivity(Analysis analysis) {
        this.analysis = analysis;
    }

    /** The layer's score at this format with every other layer at full precision, in the analysis's metric. */
    @Override
    public double sensitivity(LayerRef layer, Format format) {
        return analysis.score(layer, format);
    }

    @Override
    public OptionalDouble known(LayerRef layer, Format format) {
        return analysis.known(analysis.model().layer(layer.name()), format, analysis.metric());
    }

    @Override
    public String describe() {
        return analysis.describe();
    }

    public SensitivityMetric metric() {
        return analysis.metric();
    }

    public Analysis analysis() {
        return analysis;
    }

    @Override
    public String toString() {
        return "sensitivity: " + describe();
    }
}
