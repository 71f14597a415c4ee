/** Writing plans out (JSON) and reading them back. */
package io.precis.engine.export;
