/** Models behind one API: layers, live weights, swap and restore; backends found through {@link io.precis.engine.model.ModelLoader} (ServiceLoader). */
package io.precis.engine.model;
