/** Files the engine writes, written atomically. */
package io.precis.engine.io;
