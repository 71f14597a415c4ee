/** The built-in magics: %lsmagic %help %time %classpath %maven %precis. */
package io.precis.magics.builtin;
