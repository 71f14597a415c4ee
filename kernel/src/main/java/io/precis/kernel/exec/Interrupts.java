package io.precis.kernel.exec;

/**
 * Called from user code compiled in cells: the execution JVM's instrumentation puts {@link #check()} at the
 * start of every method and before every backward branch of cell code, and routes {@code System.exit},
 * {@code Runtime.exit} and {@code Runtime.halt} here. Public only because instrumented classes call it.
 */
public final class Interrupts {

    private static volatile boolean requested;
    private static volatile Thread target;

    private Interrupts() {}

    /** The fast path is one volatile read; a stop throws only in the thread running the cell. */
    public static void check() {
        if (requested && Thread.currentThread() == target) {
            throw new CellInterrupted();
        }
    }

    public static void exit(int status) {
        throw new ExitCalled("System.exit(" + status + ")");
    }

    public static void runtimeExit(Runtime runtime, int status) {
        throw new ExitCalled("Runtime.exit(" + status + ")");
    }

    public static void runtimeHalt(Runtime runtime, int status) {
        throw new ExitCalled("Runtime.halt(" + status + ")");
    }

    static void enter(Thread t) {
        requested = false;
        target = t;
    }

    static void leave() {
        target = null;
        requested = false;
    }

    static boolean wasRequested() {
        return requested;
    }

    /** From the stop channel's thread: flag the running cell and wake it from sleeps and waits. */
    static void stop() {
        Thread t = target;
        if (t != null) {
            requested = true;
            t.interrupt();
        }
    }

    /** Thrown into the cell's thread; an Error so {@code catch (Exception e)} does not swallow it. */
    public static final class CellInterrupted extends Error {
        private static final long serialVersionUID = 1L;

        CellInterrupted() {
            super("interrupted", null, false, false);
        }
    }

    /** What {@code System.exit} in a cell does instead of ending the execution JVM. */
    public static final class ExitCalled extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ExitCalled(String call) {
            super(call + " was called in a cell. Precis stopped the cell instead of ending the Java process; "
                    + "your variables are kept. To start afresh, restart the kernel.");
        }
    }
}
