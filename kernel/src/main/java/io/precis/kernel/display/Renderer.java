package io.precis.kernel.display;

import io.precis.display.MimeBundle;

/**
 * Shows values of one type richly. Register an implementation in
 * {@code META-INF/services/io.precis.kernel.display.Renderer} (any jar on the classpath, including ones added
 * with {@code %maven}) or call {@link Renderers#register}. The most specific type wins.
 *
 * @param <T> the type rendered (subtypes included)
 */
public interface Renderer<T> {

    Class<T> type();

    MimeBundle render(T value);
}
