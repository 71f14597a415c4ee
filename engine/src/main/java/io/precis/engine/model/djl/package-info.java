/** The DJL backend: blocks built in Java and their {@code .params} files. */
package io.precis.engine.model.djl;
