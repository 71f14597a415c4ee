/** Writing plans out: as JSON (read back by Precis), and as the quantized files serving stacks load (ONNX QDQ, compressed-tensors, ModelOpt). */
package io.precis.engine.export;
