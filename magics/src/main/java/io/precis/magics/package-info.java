/** The magic SPI ({@code %name}, {@code %%name}): parsing a call, the registry (ServiceLoader), what a magic may ask of the kernel. */
package io.precis.magics;
