package io.precis.kernel.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.display.MimeBundle;
import io.precis.kernel.wire.Channel;
import io.precis.kernel.wire.MessageCodec;
import io.precis.kernel.wire.Transport;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Everything the kernel broadcasts. Stream text is buffered briefly and sent in order: text of one stream
 * is flushed before text of the other, a display, a result or a status, so the notebook shows output in the
 * order the program produced it. Output that arrives after a cell ended (from threads the cell started)
 * goes to the last request, as in IPython.
 */
public final class Iopub {

    private static final long FLUSH_DELAY_MS = 50;
    private static final int FLUSH_SIZE = 32 * 1024;

    private final MessageCodec codec;
    private final Transport transport;
    private final String topicPrefix;
    private final ScheduledExecutorService timer;
    private ObjectNode parent;
    private final StringBuilder pending = new StringBuilder();
    private String pendingStream;
    private ScheduledFuture<?> scheduledFlush;

    public Iopub(MessageCodec codec, Transport transport, String kernelId) {
        this.codec = codec;
        this.transport = transport;
        this.topicPrefix = "kernel." + kernelId + ".";
        this.parent = codec.json().createObjectNode();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "precis-output-flush");
            t.setDaemon(true);
            return t;
        });
    }

    public MessageCodec codec() {
        return codec;
    }

    public ObjectNode newObject() {
        return codec.json().createObjectNode();
    }

    /** Makes {@code header} the parent of what follows; earlier output is flushed to the earlier parent. */
    public synchronized void setParent(ObjectNode header) {
        flush();
        this.parent = header;
    }

    public synchronized ObjectNode parent() {
        return parent;
    }

    /** Sends now, under the given parent (status messages of requests that are not the current cell). */
    public void send(String msgType, ObjectNode content, ObjectNode parentHeader) {
        List<byte[]> topic = List.of((topicPrefix + msgType).getBytes(StandardCharsets.UTF_8));
        transport.send(Channel.IOPUB, codec.encode(topic, codec.header(msgType), parentHeader, null, content, List.of()));
    }

    /** Sends after any buffered stream text, under the current parent. */
    public synchronized void publish(String msgType, ObjectNode content) {
        flush();
        send(msgType, content, parent);
    }

    public void status(String state, ObjectNode parentHeader) {
        synchronized (this) {
            flush();
        }
        ObjectNode c = newObject();
        c.put("execution_state", state);
        send("status", c, parentHeader);
    }

    /** Text for "stdout" or "stderr". */
    public synchronized void stream(String name, String text) {
        if (text.isEmpty()) {
            return;
        }
        if (pendingStream != null && !pendingStream.equals(name)) {
            flush();
        }
        pendingStream = name;
        pending.append(text);
        if (pending.length() >= FLUSH_SIZE) {
            flush();
        } else if (scheduledFlush == null) {
            scheduledFlush = timer.schedule(this::flush, FLUSH_DELAY_MS, TimeUnit.MILLISECONDS);
        }
    }

    public synchronized void flush() {
        if (scheduledFlush != null) {
            scheduledFlush.cancel(false);
            scheduledFlush = null;
        }
        if (pending.isEmpty()) {
            return;
        }
        ObjectNode c = newObject();
        c.put("name", pendingStream);
        c.put("text", pending.toString());
        pending.setLength(0);
        pendingStream = null;
        send("stream", c, parent);
    }

    /** A bundle as a {@code display_data} (no display id). */
    public void display(MimeBundle bundle) {
        display(MimeJson.data(bundle), MimeJson.metadata(bundle), null, false);
    }

    /**
     * A {@code display_data}, or an {@code update_display_data} when {@code update} (needs a display id), of a
     * bundle already in JSON (the execution JVM's display frames).
     */
    public void display(ObjectNode data, ObjectNode metadata, String displayId, boolean update) {
        ObjectNode c = newObject();
        c.set("data", data);
        c.set("metadata", metadata == null ? newObject() : metadata);
        ObjectNode tr = c.putObject("transient");
        if (displayId != null) {
            tr.put("display_id", displayId);
        }
        publish(update ? "update_display_data" : "display_data", c);
    }

    public void clearOutput(boolean wait) {
        ObjectNode c = newObject();
        c.put("wait", wait);
        publish("clear_output", c);
    }

    public void shutdown() {
        flush();
        timer.shutdownNow();
    }
}
