/**
 * The precision scaling-law lab: trains small Llama-style byte-level models over a grid of sizes, token budgets
 * and training precisions, measures the held-out loss lost to post-training quantization at 3..8 bits, and fits
 * the law {@code δ = C·D^γD / N^γN · e^(−P/γpost)} (Kumar et al., "Scaling Laws for Precision", 2024, Eq. 2:
 * {@link io.precis.engine.lab.PrecisionLaw}) and, across training precisions, their effective-parameter form (Eq. 3 and
 * 8–9: {@link io.precis.engine.lab.TrainingPrecisionLaw}); {@link io.precis.engine.lab.LabFigures} draws both.
 */
package io.precis.engine.lab;
