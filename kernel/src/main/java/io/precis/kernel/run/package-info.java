/**
 * {@code precis run}: notebooks and {@code .precis} scripts run headless, with parameters, results.json,
 * {@code --fail-if} gates over the bound results, and {@code --check} for numbers that drifted.
 */
package io.precis.kernel.run;
