package io.precis.kernel.cells;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Bytes a cell prints, as UTF-8 text on a Jupyter stream. A character split across two writes is held
 * until its last byte arrives, so multi-byte text never shows as replacement marks.
 */
public final class StreamSink extends OutputStream {

    private final Consumer<String> text;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(0);

    /** {@code text} receives decoded text, e.g. {@code t -> iopub.stream("stdout", t)}. */
    public StreamSink(Consumer<String> text) {
        this.text = text;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        ByteBuffer in;
        if (pending.hasRemaining()) {
            in = ByteBuffer.allocate(pending.remaining() + len);
            in.put(pending).put(b, off, len).flip();
        } else {
            in = ByteBuffer.wrap(b, off, len);
        }
        CharBuffer out = CharBuffer.allocate(len + 4);
        decoder.decode(in, out, false);
        out.flip();
        pending = in.hasRemaining() ? ByteBuffer.allocate(in.remaining()).put(in).flip() : ByteBuffer.allocate(0);
        if (out.hasRemaining()) {
            text.accept(out.toString());
        }
    }
}
