/** Quantization kernels ({@code QuantKernel}: scalar reference and Vector API fast path) that fake-quantize tensors in place. */
package io.precis.engine.quant;
