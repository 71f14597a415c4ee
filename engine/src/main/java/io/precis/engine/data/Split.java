package io.precis.engine.data;

/**
 * A dataset cut in two disjoint parts by a seeded shuffle: calibration (for choosing scales, sensitivity)
 * and evaluation (for reporting). The same seed always gives the same parts.
 */
public record Split<D extends Dataset>(D calibration, D evaluation, long seed) {}
