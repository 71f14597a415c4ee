package io.precis.kernel.display;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.display.MimeBundle;
import io.precis.kernel.protocol.MimeJson;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Array;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** Finds the renderer for a value: registered in code first, then from {@link ServiceLoader}, by type. */
public final class Renderers {

    private static final Map<Class<?>, Function<Object, MimeBundle>> REGISTERED = new ConcurrentHashMap<>();
    private static final Map<ClassLoader, Map<Class<?>, Renderer<?>>> DISCOVERED = new WeakHashMap<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Renderers() {}

    /** Registers a renderer for a type (and its subtypes) for the rest of the session. */
    @SuppressWarnings("unchecked")
    public static <T> void register(Class<T> type, Function<? super T, MimeBundle> renderer) {
        REGISTERED.put(type, v -> renderer.apply((T) v));
    }

    /** Forgets discovered renderers, e.g. after jars were added to the classpath. */
    public static void rediscover() {
        synchronized (DISCOVERED) {
            DISCOVERED.clear();
        }
    }

    /** The rich form of a value, or null when no renderer claims its type. */
    public static MimeBundle find(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof MimeBundle b) {
            return b;
        }
        Map<Class<?>, Renderer<?>> services = discovered();
        for (Class<?> c : hierarchy(value.getClass())) {
            Function<Object, MimeBundle> f = REGISTERED.get(c);
            if (f != null) {
                return f.apply(value);
            }
            Renderer<?> r = services.get(c);
            if (r != null) {
                return renderWith(r, value);
            }
        }
        if (value instanceof BufferedImage img) {
            return png(img);
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static <T> MimeBundle renderWith(Renderer<T> r, Object value) {
        return r.render((T) value);
    }

    /** The class, then superclasses and interfaces breadth-first: the most specific type first. */
    private static Iterable<Class<?>> hierarchy(Class<?> type) {
        Set<Class<?>> seen = new java.util.LinkedHashSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>();
        todo.add(type);
        while (!todo.isEmpty()) {
            Class<?> c = todo.poll();
            if (c == null || !seen.add(c)) {
                continue;
            }
            if (c.getSuperclass() != null) {
                todo.add(c.getSuperclass());
            }
            todo.addAll(java.util.List.of(c.getInterfaces()));
        }
        return seen;
    }

    private static Map<Class<?>, Renderer<?>> discovered() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = Renderers.class.getClassLoader();
        }
        synchronized (DISCOVERED) {
            return DISCOVERED.computeIfAbsent(loader, Renderers::load);
        }
    }

    private static Map<Class<?>, Renderer<?>> load(ClassLoader loader) {
        Map<Class<?>, Renderer<?>> byType = new LinkedHashMap<>();
        try {
            for (Renderer<?> r : ServiceLoader.load(Renderer.class, loader)) {
                byType.putIfAbsent(r.type(), r);
            }
        } catch (ServiceConfigurationError e) {
            System.err.println("precis: a renderer could not be loaded: " + e.getMessage());
        }
        return byType;
    }

    /** Plain text the way JShell shows values: strings quoted, arrays spelled out. */
    public static String plainText(Object value, boolean quoteStrings) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return quoteStrings ? '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"' : s;
        }
        if (value.getClass().isArray()) {
            StringBuilder sb = new StringBuilder();
            String type = value.getClass().getComponentType().getSimpleName();
            int n = Array.getLength(value);
            sb.append(type).append('[').append(n).append("] { ");
            int shown = Math.min(n, 1000);
            for (int i = 0; i < shown; i++) {
                sb.append(i > 0 ? ", " : "").append(plainText(Array.get(value, i), true));
            }
            if (shown < n) {
                sb.append(", ... (").append(n - shown).append(" more)");
            }
            return sb.append(" }").toString();
        }
        return String.valueOf(value);
    }

    /** A value as a complete bundle for {@code display()}: its renderer's, or its plain text. */
    public static MimeBundle bundle(Object value) {
        MimeBundle rich = null;
        try {
            rich = find(value);
        } catch (RuntimeException e) {
            System.err.println("precis: rendering " + value.getClass().getName() + " failed (" + e + "); showing it as text");
        }
        if (rich == null) {
            return MimeBundle.text(plainText(value, false));
        }
        if (!rich.data().containsKey("text/plain")) {
            rich.with("text/plain", plainText(value, false));
        }
        return rich;
    }

    /**
     * The bundle as Jupyter JSON ({@code {"data":…,"metadata":…}}). With {@code always} false, null when no
     * renderer claims the value (the caller then shows JShell's own text).
     */
    public static String renderJson(Object value, boolean always) {
        MimeBundle b = always ? bundle(value) : find(value);
        if (b == null) {
            return null;
        }
        if (!b.data().containsKey("text/plain")) {
            b.with("text/plain", plainText(value, true));
        }
        return MimeJson.write(b);
    }

    static String writeJson(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a display's content is not JSON-serializable: " + e.getOriginalMessage(), e);
        }
    }

    static MimeBundle png(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return MimeBundle.of("image/png", Base64.getEncoder().encodeToString(out.toByteArray()))
                .with("text/plain", "BufferedImage " + img.getWidth() + "x" + img.getHeight());
    }

    static final Set<String> TEXT_TYPES = new HashSet<>(java.util.List.of("text/plain", "text/html", "text/markdown",
            "text/latex", "image/svg+xml", "application/javascript"));
}
