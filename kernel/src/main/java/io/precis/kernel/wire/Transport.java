package io.precis.kernel.wire;

import io.precis.kernel.Log;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * The kernel's five ZeroMQ sockets, driven by one IO thread blocked in a poller: no sleeps, no polling
 * intervals. ZeroMQ sockets are not thread-safe, so every other thread hands its frames to the outbox and
 * wakes the IO thread through an inproc pair; the IO thread alone touches shell, control, stdin and iopub.
 * IOPub is an XPUB socket so the kernel learns of each new subscriber and can welcome it (JEP 65).
 */
public final class Transport implements AutoCloseable {

    /** Receives every inbound message's raw frames on the IO thread; must hand work off quickly. */
    public interface Inbox {
        void received(Channel channel, List<byte[]> frames);
    }

    private record Outgoing(Channel channel, List<byte[]> frames) {}

    private static final byte[] WAKE = {1};
    private static final String WAKE_ENDPOINT = "inproc://precis-wake";

    private final ZContext context = new ZContext(1);
    private final ZMQ.Socket shell;
    private final ZMQ.Socket control;
    private final ZMQ.Socket stdin;
    private final ZMQ.Socket iopub;
    private final ZMQ.Socket wakeReceiver;
    private final ZMQ.Socket wakeSender;
    private final Object wakeLock = new Object();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final Queue<Outgoing> outbox = new ConcurrentLinkedQueue<>();
    private final Thread heartbeat;
    private volatile boolean running = true;

    public Transport(ConnectionInfo info) {
        shell = bound(SocketType.ROUTER, info.endpoint(info.shellPort()));
        control = bound(SocketType.ROUTER, info.endpoint(info.controlPort()));
        stdin = bound(SocketType.ROUTER, info.endpoint(info.stdinPort()));
        iopub = context.createSocket(SocketType.XPUB);
        iopub.setXpubVerbose(true);
        iopub.setLinger(1000);
        iopub.bind(info.endpoint(info.iopubPort()));
        wakeReceiver = context.createSocket(SocketType.PAIR);
        wakeReceiver.bind(WAKE_ENDPOINT);
        wakeSender = context.createSocket(SocketType.PAIR);
        wakeSender.connect(WAKE_ENDPOINT);
        ZMQ.Socket hb = bound(SocketType.REP, info.endpoint(info.hbPort()));
        heartbeat = new Thread(() -> echo(hb), "precis-heartbeat");
        heartbeat.setDaemon(true);
        heartbeat.start();
    }

    private ZMQ.Socket bound(SocketType type, String endpoint) {
        ZMQ.Socket s = context.createSocket(type);
        s.setLinger(1000);
        s.bind(endpoint);
        return s;
    }

    /** The heartbeat: echo every ping, in its own thread so a busy kernel still answers. */
    private void echo(ZMQ.Socket hb) {
        try {
            while (running) {
                byte[] ping = hb.recv(0);
                if (ping == null) {
                    break;
                }
                hb.send(ping, 0);
            }
        } catch (ZMQException | IllegalStateException e) {
            // Context terminated: the kernel is shutting down.
        }
    }

    /** Queues frames for a socket; callable from any thread. */
    public void send(Channel channel, List<byte[]> frames) {
        if (!running) {
            return; // shutting down: late status messages have nobody to reach
        }
        outbox.add(new Outgoing(channel, frames));
        if (wakePending.compareAndSet(false, true)) {
            synchronized (wakeLock) {
                try {
                    wakeSender.send(WAKE, ZMQ.DONTWAIT);
                } catch (ZMQException e) {
                    // the context closed under us at shutdown
                }
            }
        }
    }

    /**
     * Sends at once, ahead of the outbox. Only for the IO thread, from {@link Inbox#received}: a welcome must
     * reach a new IOPub subscriber before anything queued.
     */
    public void sendNow(Channel channel, List<byte[]> frames) {
        write(channel, frames);
    }

    /** Runs the IO loop on the calling thread until {@link #stop()}. */
    public void run(Inbox inbox) {
        ZMQ.Poller poller = context.createPoller(5);
        int iShell = poller.register(shell, ZMQ.Poller.POLLIN);
        int iControl = poller.register(control, ZMQ.Poller.POLLIN);
        int iStdin = poller.register(stdin, ZMQ.Poller.POLLIN);
        int iIopub = poller.register(iopub, ZMQ.Poller.POLLIN);
        int iWake = poller.register(wakeReceiver, ZMQ.Poller.POLLIN);
        try {
            while (running) {
                if (poller.poll(-1) < 0) {
                    break;
                }
                if (poller.pollin(iWake)) {
                    while (wakeReceiver.recv(ZMQ.DONTWAIT) != null) {
                        // drain
                    }
                    wakePending.set(false);
                }
                // Control first: an interrupt must not wait behind shell traffic.
                if (poller.pollin(iControl)) {
                    drain(control, Channel.CONTROL, inbox);
                }
                if (poller.pollin(iShell)) {
                    drain(shell, Channel.SHELL, inbox);
                }
                if (poller.pollin(iStdin)) {
                    drain(stdin, Channel.STDIN, inbox);
                }
                if (poller.pollin(iIopub)) {
                    drain(iopub, Channel.IOPUB, inbox);
                }
                flushOutbox();
            }
        } catch (ZMQException | IllegalStateException e) {
            if (running) {
                Log.warn("IO loop stopped: %s", e);
            }
        } finally {
            flushOutbox();
            poller.close();
        }
    }

    private void drain(ZMQ.Socket socket, Channel channel, Inbox inbox) {
        while (true) {
            byte[] first = socket.recv(ZMQ.DONTWAIT);
            if (first == null) {
                return;
            }
            List<byte[]> frames = new ArrayList<>(8);
            frames.add(first);
            while (socket.hasReceiveMore()) {
                frames.add(socket.recv(0));
            }
            try {
                inbox.received(channel, frames);
            } catch (RuntimeException e) {
                Log.warn("handling a %s message failed: %s", channel, e);
            }
        }
    }

    private void flushOutbox() {
        Outgoing out;
        while ((out = outbox.poll()) != null) {
            write(out.channel(), out.frames());
        }
    }

    private void write(Channel channel, List<byte[]> frames) {
        ZMQ.Socket s = switch (channel) {
            case SHELL -> shell;
            case CONTROL -> control;
            case STDIN -> stdin;
            case IOPUB -> iopub;
            case HEARTBEAT -> throw new IllegalArgumentException("the heartbeat only echoes");
        };
        for (int i = 0; i < frames.size(); i++) {
            s.send(frames.get(i), i < frames.size() - 1 ? ZMQ.SNDMORE : 0);
        }
    }

    /** Ends the IO loop after it has sent what is queued. */
    public void stop() {
        running = false;
        synchronized (wakeLock) {
            try {
                wakeSender.send(WAKE, ZMQ.DONTWAIT);
            } catch (ZMQException e) {
                // already closed
            }
        }
    }

    @Override
    public void close() {
        running = false;
        context.close();
    }
}
