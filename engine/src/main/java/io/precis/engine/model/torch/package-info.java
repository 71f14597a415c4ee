/** The TorchScript backend (PyTorch through DJL). */
package io.precis.engine.model.torch;
