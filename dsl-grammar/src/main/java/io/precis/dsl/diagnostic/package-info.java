/** Diagnostics with a span, formatted as {@code line L:C: message}, the source line and carets; suggestions by edit distance. */
package io.precis.dsl.diagnostic;
