package io.precis.kernel.wire;

import io.precis.kernel.Log;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * The kernel's five ZeroMQ sockets, driven by one IO thread blocked in a poller: no sleeps, no polling
 * intervals (except while a backlog waits, below). ZeroMQ sockets are not thread-safe, so every other thread hands its frames to the outbox and
 * wakes the IO thread through an inproc pair; the IO thread alone touches shell, control, stdin and iopub.
 * IOPub is an XPUB socket so the kernel learns of each new subscriber and can welcome it (JEP 65).
 *
 * <p>Replies are never dropped: a ROUTER socket silently discards a message to a peer whose queue is at its
 * high-water mark (a client sending thousands of requests reads replies slower than they come). The sockets
 * are made ROUTER_MANDATORY, so such a send fails instead, and the message waits in a backlog of its channel,
 * retried every few milliseconds in send order per peer, while the backlog holds anything. A channel whose
 * backlog is large stops being read until it shrinks, which pushes back on the sender instead of growing.
 * IOPub keeps PUB semantics (a subscriber too slow to read loses broadcasts, never replies).
 */
public final class Transport implements AutoCloseable {

    /** Receives every inbound message's raw frames on the IO thread; must hand work off quickly. */
    public interface Inbox {
        void received(Channel channel, List<byte[]> frames);
    }

    private record Outgoing(Channel channel, List<byte[]> frames) {}

    /** Retry interval for a backlog: only while a peer's queue is full. */
    private static final int RETRY_MS = 5;
    /** Messages in one channel's backlog beyond which the IO loop stops reading that channel. */
    static final int BACKLOG_LIMIT = 10_000;

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
    private final Map<Channel, Deque<List<byte[]>>> backlog = new EnumMap<>(Channel.class);
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
        if (type == SocketType.ROUTER) {
            s.setRouterMandatory(true);
        }
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
                boolean stalled = !readable(Channel.SHELL) || !readable(Channel.CONTROL) || !readable(Channel.STDIN);
                if (stalled) {
                    // A channel left unread stays readable for the poller: wait here instead of spinning.
                    java.util.concurrent.locks.LockSupport.parkNanos(RETRY_MS * 1_000_000L);
                }
                if (poller.poll(stalled ? 0 : backlogged() ? RETRY_MS : -1) < 0) {
                    break;
                }
                if (poller.pollin(iWake)) {
                    while (wakeReceiver.recv(ZMQ.DONTWAIT) != null) {
                        // drain
                    }
                    wakePending.set(false);
                }
                retryBacklogs();
                // Control first: an interrupt must not wait behind shell traffic.
                if (poller.pollin(iControl) && readable(Channel.CONTROL)) {
                    drain(control, Channel.CONTROL, inbox);
                }
                if (poller.pollin(iShell) && readable(Channel.SHELL)) {
                    drain(shell, Channel.SHELL, inbox);
                }
                if (poller.pollin(iStdin) && readable(Channel.STDIN)) {
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
            // The last replies (shutdown_reply) get the sockets' linger time to reach slow readers.
            long until = System.nanoTime() + 1_000_000_000L;
            try {
                while (backlogged() && System.nanoTime() < until) {
                    retryBacklogs();
                    java.util.concurrent.locks.LockSupport.parkNanos(RETRY_MS * 1_000_000L);
                }
            } catch (ZMQException | IllegalStateException e) {
                // the context is gone: nobody to reach
            }
            poller.close();
        }
    }

    private boolean backlogged() {
        for (Deque<List<byte[]>> q : backlog.values()) {
            if (!q.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Whether a channel may be read: not while its replies pile up unread by the peers. */
    private boolean readable(Channel channel) {
        Deque<List<byte[]>> q = backlog.get(channel);
        return q == null || q.size() < BACKLOG_LIMIT;
    }

    /** Sends what the peers' queues take now, keeping each peer's order. */
    private void retryBacklogs() {
        for (Map.Entry<Channel, Deque<List<byte[]>>> e : backlog.entrySet()) {
            Deque<List<byte[]>> q = e.getValue();
            if (q.isEmpty()) {
                continue;
            }
            ZMQ.Socket s = socket(e.getKey());
            Set<ByteBuffer> full = new HashSet<>();
            for (Iterator<List<byte[]>> it = q.iterator(); it.hasNext(); ) {
                List<byte[]> frames = it.next();
                ByteBuffer peer = ByteBuffer.wrap(frames.get(0));
                if (full.contains(peer)) {
                    continue;
                }
                if (trySend(e.getKey(), s, frames)) {
                    it.remove();
                } else {
                    full.add(peer);
                }
            }
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

    private ZMQ.Socket socket(Channel channel) {
        return switch (channel) {
            case SHELL -> shell;
            case CONTROL -> control;
            case STDIN -> stdin;
            case IOPUB -> iopub;
            case HEARTBEAT -> throw new IllegalArgumentException("the heartbeat only echoes");
        };
    }

    private void write(Channel channel, List<byte[]> frames) {
        ZMQ.Socket s = socket(channel);
        if (channel == Channel.IOPUB) {
            sendFrames(s, frames);
            return;
        }
        Deque<List<byte[]>> q = backlog.computeIfAbsent(channel, c -> new ArrayDeque<>());
        // Behind anything already waiting for the same peer: replies keep their order.
        if (!q.isEmpty() && queuedFor(q, frames.get(0)) || !trySend(channel, s, frames)) {
            q.add(frames);
        }
    }

    private static boolean queuedFor(Deque<List<byte[]>> q, byte[] peer) {
        for (List<byte[]> f : q) {
            if (Arrays.equals(f.get(0), peer)) {
                return true;
            }
        }
        return false;
    }

    /**
     * One message on a ROUTER socket; false when the peer's queue is full (ZeroMQ refuses the first frame,
     * the routing identity, and keeps nothing). A peer that is gone loses its message, with a log line.
     */
    private static boolean trySend(Channel channel, ZMQ.Socket s, List<byte[]> frames) {
        try {
            if (!s.send(frames.get(0), ZMQ.SNDMORE | ZMQ.DONTWAIT)) {
                return false;
            }
        } catch (ZMQException e) {
            Log.info("%s reply to a peer that is gone dropped (%s)", channel, e.getMessage());
            return true;
        }
        // Once the routing frame is taken, ZeroMQ takes the rest of the message whatever the queue holds.
        for (int i = 1; i < frames.size(); i++) {
            s.send(frames.get(i), i < frames.size() - 1 ? ZMQ.SNDMORE : 0);
        }
        return true;
    }

    private static void sendFrames(ZMQ.Socket s, List<byte[]> frames) {
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
