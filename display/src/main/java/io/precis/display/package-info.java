/**
 * The one rich-output type, {@link io.precis.display.MimeBundle}: what renderers produce, {@code display()}
 * shows, magics return and the kernel sends (as Jupyter JSON, written only at the protocol edge). Depends on
 * nothing, so every module that shows something can use it.
 */
package io.precis.display;
