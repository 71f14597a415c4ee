package io.precis.kernel.exec;

import io.precis.kernel.Log;
import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import jdk.jshell.execution.StreamingExecutionControl;

/**
 * The kernel's side of the execution JVM: JShell's streaming commands, plus a stop signal on a socket of
 * its own and the process, so the kernel can report its exit and kill it when it does not stop.
 */
public final class HostControl extends StreamingExecutionControl {

    private final Process process;
    private final Socket stopSocket;
    private final ObjectOutputStream commands;
    private volatile boolean stopRequested;

    HostControl(ObjectOutput out, ObjectInput in, Process process, Socket stopSocket) {
        super(out, in);
        this.process = process;
        this.stopSocket = stopSocket;
        this.commands = out instanceof ObjectOutputStream o ? o : null;
    }

    /**
     * JShell's command stream is an ObjectOutputStream that is never reset, so it (and the execution JVM's
     * ObjectInputStream reading it) keeps every object ever sent: the class files of every cell. A reset
     * after each command forgets them on both sides (measured: about 3 MiB of the kernel's heap per 1,000
     * cells of tests/soak.py). Commands come one at a time, from JShell's thread.
     */
    private void forgetSent() {
        if (commands != null) {
            try {
                commands.reset();
            } catch (IOException e) {
                Log.debug("command stream reset: %s", e);
            }
        }
    }

    @Override
    public void load(ClassBytecodes[] cbcs) throws ClassInstallException, NotImplementedException, EngineTerminationException {
        try {
            super.load(cbcs);
        } finally {
            forgetSent();
        }
    }

    @Override
    public void redefine(ClassBytecodes[] cbcs) throws ClassInstallException, NotImplementedException, EngineTerminationException {
        try {
            super.redefine(cbcs);
        } finally {
            forgetSent();
        }
    }

    @Override
    public String invoke(String className, String methodName) throws RunException, EngineTerminationException, InternalException {
        try {
            return super.invoke(className, methodName);
        } finally {
            forgetSent();
        }
    }

    @Override
    public Object extensionCommand(String command, Object arg) throws RunException, EngineTerminationException, InternalException {
        try {
            return super.extensionCommand(command, arg);
        } finally {
            forgetSent();
        }
    }

    public Process process() {
        return process;
    }

    @Override
    public void stop() {
        stopRequested = true;
        try {
            OutputStream o = stopSocket.getOutputStream();
            synchronized (this) {
                o.write(RemoteAgent.STOP);
                o.flush();
            }
        } catch (IOException e) {
            Log.info("stop signal not sent: %s", e);
        }
    }

    /** Whether a stop was asked for since the last call; clears the flag. */
    public boolean takeStopRequested() {
        boolean r = stopRequested;
        stopRequested = false;
        return r;
    }

    /** The crash log ({@code hs_err_pid*.log}) the execution JVM left when it died in native code. */
    public java.util.Optional<java.nio.file.Path> crashLog() {
        return CrashLogs.of(process.pid());
    }

    /** CPU time of the whole execution JVM, or -1. */
    public long cpuNanos() {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** Ends the execution JVM at once: for code that ignores interrupts. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            super.close();
        } catch (RuntimeException e) {
            Log.debug("close: %s", e);
        }
        try {
            stopSocket.close();
        } catch (IOException e) {
            // already gone
        }
        process.destroy();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
