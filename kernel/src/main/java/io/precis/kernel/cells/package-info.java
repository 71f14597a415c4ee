/** What a cell is and who runs it: magics, Java, or the Precis language through {@link io.precis.language.CellLanguage}. */
package io.precis.kernel.cells;
