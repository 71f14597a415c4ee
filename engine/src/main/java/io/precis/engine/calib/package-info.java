/**
 * Calibration statistics: what each quantizable layer sees on calibration data (XᵀX for GPTQ, mean |x| per input
 * channel for AWQ, max |x| per input channel for SmoothQuant and static activation scales), accumulated batch by
 * batch without keeping activations, and which samples calibrated.
 */
package io.precis.engine.calib;
