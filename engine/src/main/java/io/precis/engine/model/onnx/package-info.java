/** The ONNX Runtime backend: layer discovery from the graph, live weights, resumable stages. */
package io.precis.engine.model.onnx;
