package io.precis.kernel.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

class InstrumenterTest {

    private static final String SOURCE = """
            public class Cell {
                public static long spin() { long n = 0; while (true) { n++; } }
                // No loop anywhere: only the checks at method entry can stop it.
                public static void forever() { try { forever(); } catch (StackOverflowError e) { forever(); } }
                public static int exit() { System.exit(3); return 1; }
                public static int halt() { Runtime.getRuntime().halt(2); return 1; }
                public static int sum(int n) { int s = 0; for (int i = 0; i < n; i++) { s += i; } return s; }
            }
            """;

    private static Map<String, byte[]> compile() {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Map<String, ByteArrayOutputStream> out = new HashMap<>();
        JavaFileManager fm = new ForwardingJavaFileManager<>(javac.getStandardFileManager(null, null, null)) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location l, String name, JavaFileObject.Kind k, FileObject s) {
                return new SimpleJavaFileObject(URI.create("mem:///" + name + ".class"), k) {
                    @Override
                    public OutputStream openOutputStream() {
                        return out.computeIfAbsent(name, n -> new ByteArrayOutputStream());
                    }
                };
            }
        };
        JavaFileObject src = new SimpleJavaFileObject(URI.create("string:///Cell.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignore) {
                return SOURCE;
            }
        };
        assertTrue(javac.getTask(null, fm, null, List.of("--release", "21"), null, List.of(src)).call());
        Map<String, byte[]> classes = new HashMap<>();
        out.forEach((k, v) -> classes.put(k, v.toByteArray()));
        return classes;
    }

    private static Class<?> load(boolean instrument) throws Exception {
        Map<String, byte[]> classes = compile();
        ClassLoader loader = new ClassLoader(InstrumenterTest.class.getClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                byte[] b = classes.get(name);
                if (b == null) {
                    throw new ClassNotFoundException(name);
                }
                byte[] bytes = instrument ? Instrumenter.instrument(b) : b;
                return defineClass(name, bytes, 0, bytes.length);
            }
        };
        return loader.loadClass("Cell");
    }

    private static Throwable runUntilStopped(Method m, Object... args) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            Interrupts.enter(Thread.currentThread());
            try {
                m.invoke(null, args);
            } catch (InvocationTargetException e) {
                thrown.set(e.getCause());
            } catch (Throwable e) {
                thrown.set(e);
            } finally {
                Interrupts.leave();
            }
        });
        t.setDaemon(true);
        t.start();
        Thread.sleep(200);
        assertTrue(t.isAlive(), "the cell should still be running before the stop");
        Interrupts.stop();
        t.join(5000);
        assertFalse(t.isAlive(), "an instrumented loop must stop");
        return thrown.get();
    }

    @Test
    void aTightLoopStopsAtItsBackwardBranch() throws Exception {
        Throwable t = runUntilStopped(load(true).getMethod("spin"));
        assertInstanceOf(Interrupts.CellInterrupted.class, t);
    }

    @Test
    void endlessRecursionStopsAtMethodEntry() throws Exception {
        Throwable t = runUntilStopped(load(true).getMethod("forever"));
        assertInstanceOf(Interrupts.CellInterrupted.class, t);
    }

    @Test
    void exitsBecomeExceptions() throws Exception {
        Class<?> c = load(true);
        var e = assertInstanceOf(InvocationTargetException.class, catchThrowable(() -> c.getMethod("exit").invoke(null)));
        assertInstanceOf(Interrupts.ExitCalled.class, e.getCause());
        assertTrue(e.getCause().getMessage().startsWith("System.exit(3) was called"));
        var h = assertInstanceOf(InvocationTargetException.class, catchThrowable(() -> c.getMethod("halt").invoke(null)));
        assertTrue(h.getCause().getMessage().startsWith("Runtime.halt(2)"));
    }

    @Test
    void instrumentedCodeComputesTheSameWithoutAStop() throws Exception {
        assertEquals(4950, load(true).getMethod("sum", int.class).invoke(null, 100));
        assertEquals(4950, load(false).getMethod("sum", int.class).invoke(null, 100));
    }

    @Test
    void checksOnlyStopTheCellsThread() throws Exception {
        Interrupts.enter(new Thread());
        Interrupts.stop();
        Interrupts.check(); // another thread was flagged: this one runs on
        Interrupts.leave();
    }

    private static Throwable catchThrowable(ThrowingRunnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    interface ThrowingRunnable {
        void run() throws Throwable;
    }
}
