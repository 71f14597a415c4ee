package io.precis.spark;

import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's records (data sets, evaluations) as plain serializable values and back, so that they travel
 * to executors and back without the engine depending on Java serialization.
 */
final class Portable {
    private Portable() {}

    /** A record: its class and its converted components, in declaration order. */
    record Rec(String type, Object[] parts) implements Serializable {}

    static Object to(Object o) {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof Enum<?>) return o;
        if (o.getClass().isArray() && o.getClass().getComponentType().isPrimitive()) return o;
        if (o instanceof List<?> l) {
            ArrayList<Object> out = new ArrayList<>(l.size());
            for (Object x : l) out.add(to(x));
            return out;
        }
        if (o instanceof Map<?, ?> m) {
            LinkedHashMap<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(to(k), to(v)));
            return out;
        }
        if (o.getClass().isRecord()) {
            RecordComponent[] cs = o.getClass().getRecordComponents();
            Object[] parts = new Object[cs.length];
            try {
                for (int i = 0; i < cs.length; i++) parts[i] = to(cs[i].getAccessor().invoke(o));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + o.getClass().getName(), e);
            }
            return new Rec(o.getClass().getName(), parts);
        }
        throw new IllegalArgumentException("cannot send a " + o.getClass().getName() + " to executors");
    }

    static Object from(Object o) {
        if (o instanceof Rec r) {
            try {
                Class<?> c = Class.forName(r.type(), true, Portable.class.getClassLoader());
                RecordComponent[] cs = c.getRecordComponents();
                Class<?>[] types = new Class<?>[cs.length];
                Object[] args = new Object[cs.length];
                for (int i = 0; i < cs.length; i++) {
                    types[i] = cs[i].getType();
                    args[i] = from(r.parts()[i]);
                }
                Constructor<?> k = c.getDeclaredConstructor(types);
                return k.newInstance(args);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot rebuild " + r.type(), e);
            }
        }
        if (o instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object x : l) out.add(from(x));
            return out;
        }
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(from(k), from(v)));
            return out;
        }
        return o;
    }
}
