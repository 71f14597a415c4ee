package io.precis.kernel.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.kernel.wire.Channel;
import io.precis.kernel.wire.Message;
import io.precis.kernel.wire.MessageCodec;
import io.precis.kernel.wire.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Asks the frontend for a line of input ({@code input_request} on the stdin channel) on behalf of the
 * running cell, and is itself the {@link InputStream} behind the cell's {@code System.in}. When the
 * frontend does not allow stdin, or the cell is interrupted while waiting, reading sees end of input.
 */
public final class Stdin extends InputStream {

    private final MessageCodec codec;
    private final Transport transport;
    private final Iopub iopub;
    private Message request;
    private boolean allowed;
    private CompletableFuture<String> pending;
    private byte[] line = new byte[0];
    private int pos;
    private boolean warnedNotAllowed;

    public Stdin(MessageCodec codec, Transport transport, Iopub iopub) {
        this.codec = codec;
        this.transport = transport;
        this.iopub = iopub;
    }

    /** The execute request whose frontend will be asked, and whether it allows input. */
    public synchronized void setRequest(Message executeRequest, boolean allowStdin) {
        this.request = executeRequest;
        this.allowed = allowStdin;
        this.line = new byte[0];
        this.pos = 0;
        this.warnedNotAllowed = false;
    }

    /**
     * One line from the user, without its newline, or {@code null} when input is not available (the frontend
     * does not allow it, or the wait was cancelled by an interrupt).
     */
    public String readLine(String prompt, boolean password) {
        CompletableFuture<String> f;
        synchronized (this) {
            if (!allowed || request == null) {
                if (!warnedNotAllowed) {
                    warnedNotAllowed = true;
                    iopub.stream("stderr", "(this frontend does not accept input: System.in is at end of input)\n");
                }
                return null;
            }
            f = new CompletableFuture<>();
            pending = f;
            ObjectNode c = codec.json().createObjectNode();
            c.put("prompt", prompt);
            c.put("password", password);
            iopub.flush();
            transport.send(Channel.STDIN, codec.encode(request.identities(), codec.header("input_request"),
                    request.header(), null, c, java.util.List.of()));
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            return null;
        }
    }

    /** An {@code input_reply} arrived. */
    public synchronized void replied(Message reply) {
        if (pending != null) {
            pending.complete(reply.content().path("value").asText(""));
            pending = null;
        }
    }

    /** Unblocks a waiting read with end of input (an interrupt). */
    public synchronized void cancel() {
        if (pending != null) {
            pending.complete(null);
            pending = null;
        }
    }

    @Override
    public int read() throws IOException {
        synchronized (this) {
            if (pos < line.length) {
                return line[pos++] & 0xff;
            }
        }
        String next = readLine("", false);
        if (next == null) {
            return -1;
        }
        synchronized (this) {
            line = (next + "\n").getBytes(StandardCharsets.UTF_8);
            pos = 0;
            return line[pos++] & 0xff;
        }
    }
}
