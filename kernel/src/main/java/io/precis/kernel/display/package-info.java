/** Rich output in the execution JVM: display(), renderers (ServiceLoader) turning values into {@link io.precis.display.MimeBundle}s, offline plotly.js, the language's progress bars. */
package io.precis.kernel.display;
