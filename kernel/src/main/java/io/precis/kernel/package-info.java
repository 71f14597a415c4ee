/** The Jupyter kernel's entry points: command line, start-up, logging. */
package io.precis.kernel;
