/** The Precis language's meaning: the session, the compiler (AST to engine API), statement dispatch and measurements, and {@link io.precis.language.CellLanguage}, the one interface the kernel uses. No Jupyter. */
package io.precis.language;
