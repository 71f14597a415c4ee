/** The one home of error arithmetic: MSE, SQNR, cosine and KL divergence between a reference and its approximation. */
package io.precis.engine.metrics;
