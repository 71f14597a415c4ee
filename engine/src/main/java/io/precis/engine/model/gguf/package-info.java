/**
 * GGUF language models (llama.cpp's file format): reading and writing GGUF files, the Llama-family forward pass
 * as DJL blocks, the tokenizer from the file's metadata, and the back-end that lets Precis analyse them.
 */
package io.precis.engine.model.gguf;
