/** Figures as a Plotly-shaped model, drawn to PNG with JFreeChart, and the one HTML escaper and table writer of result types. */
package io.precis.engine.figure;
