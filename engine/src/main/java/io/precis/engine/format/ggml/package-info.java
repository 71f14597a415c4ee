/**
 * llama.cpp's tensor types (ggml): their block layouts, dequantization and reference quantizers written from
 * the definitions in ggml-quants.c, and the Precis formats {@code q8_0 ... q6_k} built on them.
 */
package io.precis.engine.format.ggml;
