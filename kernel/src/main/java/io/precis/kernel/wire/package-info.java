/** ZeroMQ transport and message framing with HMAC signatures. */
package io.precis.kernel.wire;
