/** Architectures built in Java as DJL blocks (the models trained here), named in a {@code .precis.json}. */
package io.precis.engine.model.blocks;
