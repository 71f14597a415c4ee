package io.precis.engine.lab;

import java.util.List;

/**
 * A fitted law of post-training-quantization damage: the rows it was fitted on, the δ it was fitted to (measured)
 * and what it predicts for each, and R². {@link PrecisionLaw} is Kumar et al.'s Eq. 2 for one training precision;
 * {@link TrainingPrecisionLaw} is their Eq. 8–9 across training precisions.
 */
public sealed interface PtqLaw permits PrecisionLaw, TrainingPrecisionLaw {

    /** The rows fitted, in order. */
    List<PtqRow> fitted();

    /** The δ each fitted row was fitted to (for a {@link TrainingPrecisionLaw}, measured from the loss as trained). */
    double[] measured();

    /** The law's δ for a row's N, D, bits (and training precision). */
    double predicted(PtqRow r);

    /** measured − predicted, row by row. */
    double[] residuals();

    double r2();
}
