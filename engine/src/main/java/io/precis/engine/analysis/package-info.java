/** Measurements over a model and data: sensitivity per layer and format, sweeps, plan evaluation and the exact Pareto search, with progress and interruption. */
package io.precis.engine.analysis;
