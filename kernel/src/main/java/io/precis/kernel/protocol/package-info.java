/** Jupyter's messaging protocol: requests to an {@code Interpreter}, IOPub, stdin, comms, history. */
package io.precis.kernel.protocol;
