package io.precis.kernel.exec;

import io.precis.kernel.Log;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import jdk.jshell.execution.Util;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * Starts the JVM that runs Java cells, as JShell's execution engine. A separate JVM because only there a
 * runaway cell can always be stopped (by killing it, as a last resort), {@code System.exit} or a crash in
 * native code (libtorch, ONNX Runtime) cannot take the kernel down, and the kernel's own classes stay out
 * of the user's way. Unlike JShell's default engine it uses no JDWP, which makes plain Java loops about
 * twice as slow (measured here): interrupts travel on a socket of their own instead.
 */
public final class ExecutionJvm implements ExecutionControlProvider {

    /** Where the execution JVM's streams go: cell output, displays, and what native code prints. */
    public record Sinks(OutputStream out, OutputStream err, OutputStream display, Consumer<String> nativeOutput) {}

    private static final int START_TIMEOUT_MS = 120_000;

    private final Path java;
    private final List<String> jvmOptions;
    private final String classpath;
    private final Sinks sinks;
    private final Predicate<String> startupNoise;
    private volatile HostControl current;

    public ExecutionJvm(Path java, List<String> jvmOptions, String classpath, Sinks sinks) {
        this.java = java;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.classpath = classpath;
        this.sinks = sinks;
        // Lines the JVM itself prints at start-up that say nothing to a notebook user.
        this.startupNoise = line -> line.startsWith("WARNING: Using incubator modules")
                || line.contains("Listening for transport");
    }

    /** The running JVM's control, or null before the first start. */
    public HostControl current() {
        return current;
    }

    @Override
    public String name() {
        return "precis";
    }

    @Override
    public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) throws Throwable {
        try (ServerSocket listener = new ServerSocket(0, 2, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(250);
            List<String> cmd = new ArrayList<>();
            cmd.add(java.toString());
            cmd.addAll(CrashLogs.jvmOptions(CrashLogs.dir())); // before the user's: a later -XX:ErrorFile wins
            cmd.addAll(jvmOptions);
            cmd.add("-cp");
            cmd.add(classpath);
            cmd.add(RemoteAgent.class.getName());
            cmd.add(Integer.toString(listener.getLocalPort()));
            Log.debug("execution JVM: %s", String.join(" ", cmd));
            Process process = new ProcessBuilder(cmd).start();
            StringBuilder early = new StringBuilder();
            pipe(process.getInputStream(), "stdout", early);
            pipe(process.getErrorStream(), "stderr", early);

            Socket command = null;
            Socket stop = null;
            long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
            while (command == null || stop == null) {
                if (!process.isAlive()) {
                    throw new IOException("the Java execution JVM exited at start-up (status " + process.exitValue() + "): " + early.toString().strip());
                }
                if (System.currentTimeMillis() > deadline) {
                    process.destroyForcibly();
                    throw new IOException("the Java execution JVM did not connect within " + START_TIMEOUT_MS / 1000 + " s");
                }
                Socket s;
                try {
                    s = listener.accept();
                } catch (SocketTimeoutException e) {
                    continue;
                }
                s.setTcpNoDelay(true);
                int kind = s.getInputStream().read();
                if (kind == RemoteAgent.COMMAND) {
                    command = s;
                } else if (kind == RemoteAgent.STOP) {
                    stop = s;
                } else {
                    s.close();
                }
            }
            synchronized (early) {
                early.setLength(0);
                early.append('\0'); // start-up is over: later lines all reach the notebook
            }
            Map<String, OutputStream> outputs = new HashMap<>();
            outputs.put("out", sinks.out());
            outputs.put("err", sinks.err());
            outputs.put("display", sinks.display());
            Map<String, InputStream> inputs = new HashMap<>();
            inputs.put("in", env.userIn());
            Socket stopSocket = stop;
            HostControl control = (HostControl) Util.remoteInputOutput(
                    new BufferedInputStream(command.getInputStream(), 1 << 16),
                    new BufferedOutputStream(command.getOutputStream(), 1 << 16), outputs, inputs,
                    (in, out) -> new HostControl(out, in, process, stopSocket));
            // A JVM that dies between cells (native crash, a thread calling exit) closes JShell at once.
            process.onExit().thenRun(env::closeDown);
            current = control;
            return control;
        }
    }

    /** Forwards what the process itself prints (JVM warnings, native libraries) line by line. */
    private void pipe(InputStream stream, String name, StringBuilder early) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    boolean starting;
                    synchronized (early) {
                        starting = early.isEmpty() || early.charAt(0) != '\0';
                        if (starting) {
                            early.append(line).append('\n');
                        }
                    }
                    if (starting && startupNoise.test(line)) {
                        continue;
                    }
                    sinks.nativeOutput().accept(line + "\n");
                }
            } catch (IOException e) {
                // process gone
            }
        }, "precis-exec-" + name);
        t.setDaemon(true);
        t.start();
    }
}
