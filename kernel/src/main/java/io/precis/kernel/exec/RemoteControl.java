package io.precis.kernel.exec;

import io.precis.kernel.display.Renderers;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.jshell.execution.DirectExecutionControl;

/**
 * The execution JVM's side of JShell: loads cell classes (instrumented), runs them on the command thread,
 * keeps the last value so the kernel can ask for its rich rendering, and turns a requested stop into
 * JShell's {@code StoppedException}.
 */
final class RemoteControl extends DirectExecutionControl {

    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private Object lastValue;

    @Override
    public void load(ClassBytecodes[] cbcs) throws ClassInstallException, NotImplementedException, EngineTerminationException {
        ClassBytecodes[] out = new ClassBytecodes[cbcs.length];
        for (int i = 0; i < cbcs.length; i++) {
            byte[] bytes = cbcs[i].bytecodes();
            try {
                bytes = Instrumenter.instrument(bytes);
            } catch (RuntimeException e) {
                // A class file newer than our bytecode library: run it as is, only interrupt is weaker.
                if (WARNED.compareAndSet(false, true)) {
                    System.err.println("precis: cannot instrument cell classes (" + e + "); interrupting tight loops will restart the execution JVM");
                }
            }
            out[i] = new ClassBytecodes(cbcs[i].name(), bytes);
        }
        super.load(out);
    }

    @Override
    public void addToClasspath(String cp) throws EngineTerminationException, InternalException {
        super.addToClasspath(cp);
        Renderers.rediscover(); // the new jars may bring renderers (META-INF/services)
    }

    @Override
    protected void clientCodeEnter() {
        Interrupts.enter(Thread.currentThread());
    }

    @Override
    protected void clientCodeLeave() {
        Interrupts.leave();
        Thread.interrupted(); // an interrupt aimed at this cell must not hit the next one
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        // Services (renderers) in jars added with %maven are visible through the cells' class loader.
        Thread.currentThread().setContextClassLoader(doitMethod.getDeclaringClass().getClassLoader());
        lastValue = null;
        Object value = doitMethod.invoke(null);
        lastValue = value;
        return valueString(value);
    }

    @Override
    protected String throwConvertedInvocationException(Throwable cause) throws RunException, InternalException {
        if (Interrupts.wasRequested() || cause instanceof Interrupts.CellInterrupted) {
            throw new StoppedException();
        }
        return super.throwConvertedInvocationException(cause);
    }

    @Override
    protected String throwConvertedOtherException(Throwable ex) throws RunException, InternalException {
        if (Interrupts.wasRequested() || ex instanceof Interrupts.CellInterrupted) {
            throw new StoppedException();
        }
        return super.throwConvertedOtherException(ex);
    }

    /**
     * {@code render}: the last value as a JSON MIME bundle; null when only its plain text exists; an empty
     * string when it should not be shown at all.
     */
    @Override
    public Object extensionCommand(String command, Object arg) throws RunException, EngineTerminationException, InternalException {
        if ("render".equals(command)) {
            Object v = lastValue;
            lastValue = null;
            if (v instanceof io.precis.kernel.display.DisplayHandle) {
                return ""; // display(x) already showed x; its handle is not a result worth showing
            }
            try {
                return Renderers.renderJson(v, false);
            } catch (RuntimeException | LinkageError e) {
                return null;
            }
        }
        if ("precis.cell".equals(command)) {
            // A language cell crosses once; its statements then run as snippets calling LanguageBridge.
            try {
                io.precis.language.CellLanguage.precis().receiveCell(io.precis.language.CellText.fromArray((Object[]) arg));
                return null;
            } catch (io.precis.language.PrecisError e) {
                return e.getMessage();
            }
        }
        if ("precis.ask".equals(command)) {
            String[] q = (String[]) arg;
            return io.precis.language.CellLanguage.precis().answer(io.precis.language.CellLanguage.Question.valueOf(q[0]), q[1]);
        }
        return super.extensionCommand(command, arg);
    }
}
