package io.precis.engine.figure;

/** Text pinned to a point of the plot (data coordinates; x may be a category), with or without an arrow. */
public record Annotation(Object x, double y, String text, boolean arrow) {}
