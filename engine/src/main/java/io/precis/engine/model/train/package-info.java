/** Training the small models committed under models/trained (make models-train). */
package io.precis.engine.model.train;
