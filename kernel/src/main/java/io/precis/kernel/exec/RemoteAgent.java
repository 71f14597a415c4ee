package io.precis.kernel.exec;

import io.precis.kernel.display.DisplayChannel;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import jdk.jshell.execution.Util;

/**
 * Main class of the execution JVM. Connects twice to the kernel: a command socket that carries JShell's
 * protocol multiplexed with System.out, System.err, rich displays and System.in; and a stop socket the
 * kernel writes to when the user interrupts, read by its own thread because the command thread is busy
 * running the cell. Both with TCP_NODELAY: JShell's own sockets wait on Nagle's algorithm (~200 ms a cell).
 */
public final class RemoteAgent {

    static final int COMMAND = 'C';
    static final int STOP = 'S';

    private RemoteAgent() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        ignoreSigint();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Socket command = new Socket(loopback, port);
        command.setTcpNoDelay(true);
        command.getOutputStream().write(COMMAND);
        Socket stop = new Socket(loopback, port);
        stop.setTcpNoDelay(true);
        stop.getOutputStream().write(STOP);

        io.precis.language.CellLanguage.precis().output(new io.precis.kernel.display.LanguageOutput());
        Thread stopper = new Thread(() -> readStops(stop), "precis-stop");
        stopper.setDaemon(true);
        stopper.start();

        Map<String, Consumer<OutputStream>> outputs = new HashMap<>();
        outputs.put("out", st -> System.setOut(new PrintStream(st, true, StandardCharsets.UTF_8)));
        outputs.put("err", st -> System.setErr(new PrintStream(st, true, StandardCharsets.UTF_8)));
        outputs.put("display", DisplayChannel::install);
        Map<String, Consumer<InputStream>> inputs = new HashMap<>();
        inputs.put("in", System::setIn);
        try {
            // Buffered: JShell reads its framing a byte at a time and writes 127-byte packets, each flushed at the end of a write.
            Util.forwardExecutionControlAndIO(new RemoteControl(), new BufferedInputStream(command.getInputStream(), 1 << 16),
                    new BufferedOutputStream(command.getOutputStream(), 1 << 16), outputs, inputs);
        } finally {
            // The kernel closed the connection (or died): threads the cells started must not keep us alive.
            Runtime.getRuntime().halt(0);
        }
    }

    private static void readStops(Socket stop) {
        try (InputStream in = stop.getInputStream()) {
            int b;
            while ((b = in.read()) >= 0) {
                if (b == STOP) {
                    Interrupts.stop();
                }
            }
        } catch (java.io.IOException e) {
            // fall through: the kernel is gone
        }
        Runtime.getRuntime().halt(0);
    }

    /** Jupyter may send SIGINT to the kernel's whole process group; interrupts reach us through the stop socket. */
    @SuppressWarnings("restriction")
    private static void ignoreSigint() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> { });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // No SIGINT on this platform.
        }
    }
}
