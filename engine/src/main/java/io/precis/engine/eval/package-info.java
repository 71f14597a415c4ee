/** Evaluation of a model on data: loss, accuracy, embedding agreement, with provenance of what was measured. */
package io.precis.engine.eval;
