/** The magic SPI ({@code %name}, {@code %%name}): parsing a call, the registry (ServiceLoader), what a magic may ask of the kernel. A magic shows an {@link io.precis.display.MimeBundle}, the same bundle type as renderers and {@code display()}. */
package io.precis.magics;
