package io.precis.kernel;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * The kernel's own diagnostics, on stderr (Jupyter shows a kernel's stderr in its server log, never in a
 * notebook). Quiet by default: warnings only. {@code PRECIS_LOG=debug} (or {@code info}) says more.
 */
public final class Log {

    public enum Level { DEBUG, INFO, WARN, OFF }

    private static final Level LEVEL = parse(System.getenv("PRECIS_LOG"));
    private static final PrintStream ERR = System.err;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private Log() {}

    private static Level parse(String s) {
        if (s == null || s.isBlank()) {
            return Level.WARN;
        }
        try {
            return Level.valueOf(s.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Level.DEBUG;
        }
    }

    public static boolean debugEnabled() {
        return LEVEL == Level.DEBUG;
    }

    public static void debug(String fmt, Object... args) {
        if (LEVEL.compareTo(Level.DEBUG) <= 0) {
            emit("DEBUG", fmt, args);
        }
    }

    public static void info(String fmt, Object... args) {
        if (LEVEL.compareTo(Level.INFO) <= 0) {
            emit("INFO", fmt, args);
        }
    }

    public static void warn(String fmt, Object... args) {
        if (LEVEL.compareTo(Level.WARN) <= 0) {
            emit("WARN", fmt, args);
        }
    }

    private static void emit(String level, String fmt, Object... args) {
        String msg = args.length == 0 ? fmt : String.format(fmt, args);
        synchronized (ERR) {
            ERR.println("[precis " + LocalTime.now().format(TIME) + " " + level + "] " + msg);
        }
    }
}
