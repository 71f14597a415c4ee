/** Jupyter's messaging protocol: requests to an {@code Interpreter}, IOPub, stdin, comms, history; {@code MimeJson}, the one place a MIME bundle becomes Jupyter JSON. */
package io.precis.kernel.protocol;
