/** Java cells through JShell: splitting, running, completion, inspection, completeness, errors with line and caret. */
package io.precis.kernel.java;
