package io.precis.engine.model;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Device choice with a CPU fallback that warns once per engine, not once per call. */
public final class Devices {
    private static final System.Logger LOG = System.getLogger("io.precis.engine.model");
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private Devices() {}

    /** Logs the fallback warning the first time for this engine; returns the message either way. */
    public static String fallback(String engine, String why) {
        String msg = "gpu requested but " + engine + " has no usable GPU (" + why + "); running on cpu";
        if (WARNED.add(engine)) LOG.log(System.Logger.Level.WARNING, msg);
        return msg;
    }
}
