/**
 * Quantization algorithms beyond round-to-nearest that use calibration statistics: GPTQ (second-order error
 * compensation), AWQ (activation-aware per-input-channel scales), SmoothQuant (migrating activation outliers into
 * the weights for W8A8), activation fake-quantization, and pruning (magnitude, 2:4). Each works on one layer's
 * weights and its {@link io.precis.engine.calib.LayerStats}; {@link io.precis.engine.algo.QuantAlgorithm} is what a
 * plan's rule names.
 */
package io.precis.engine.algo;
