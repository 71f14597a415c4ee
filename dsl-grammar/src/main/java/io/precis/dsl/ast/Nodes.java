package io.precis.dsl.ast;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Optional;

/** Helpers over whole trees. */
public final class Nodes {

    private Nodes() {
    }

    /**
     * The same tree with every span set to {@link Span#NONE}, so that two parses of differently laid out
     * sources compare equal with {@code equals} when they mean the same.
     */
    @SuppressWarnings("unchecked")
    public static <T extends Node> T withoutSpans(T node) {
        return (T) strip(node);
    }

    private static Object strip(Object value) {
        if (value instanceof Span) {
            return Span.NONE;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(Nodes::strip).toList();
        }
        if (value instanceof Optional<?> optional) {
            return optional.map(Nodes::strip);
        }
        if (value instanceof Record record) {
            return rebuild(record);
        }
        return value;
    }

    private static Record rebuild(Record record) {
        RecordComponent[] components = record.getClass().getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        try {
            for (int i = 0; i < components.length; i++) {
                values[i] = strip(components[i].getAccessor().invoke(record));
                types[i] = components[i].getType();
            }
            Constructor<? extends Record> constructor = record.getClass().getDeclaredConstructor(types);
            return constructor.newInstance(values);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e instanceof InvocationTargetException ite ? ite.getCause() : e;
            throw new IllegalStateException("cannot copy " + record.getClass().getSimpleName(), cause);
        }
    }
}
