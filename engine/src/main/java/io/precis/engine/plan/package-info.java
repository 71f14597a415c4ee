/** Plans: rules in order, their patterns and conditions, resolved into one format per layer. */
package io.precis.engine.plan;
