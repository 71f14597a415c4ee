package io.precis.kernel.cells;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.kernel.Log;
import java.io.IOException;
import java.io.OutputStream;

/** Reassembles the execution JVM's length-prefixed display frames and publishes them on IOPub. */
public final class DisplaySink extends OutputStream {

    /** Where reassembled displays go (IOPub in the kernel). */
    public interface Target {
        void display(ObjectNode data, ObjectNode metadata, String displayId, boolean update);

        void clearOutput(boolean wait);
    }

    private final Target iopub;
    private final ObjectMapper json;
    private final byte[] header = new byte[4];
    private int headerFilled;
    private byte[] frame;
    private int frameFilled;

    public DisplaySink(Target iopub, ObjectMapper json) {
        this.iopub = iopub;
        this.json = json;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /** Frames arrive in JShell's 127-byte packets: fill the header, then the frame, copying each byte once. */
    @Override
    public synchronized void write(byte[] b, int off, int len) {
        int end = off + len;
        while (off < end) {
            if (frame == null) {
                int n = Math.min(4 - headerFilled, end - off);
                System.arraycopy(b, off, header, headerFilled, n);
                headerFilled += n;
                off += n;
                if (headerFilled == 4) {
                    int size = ((header[0] & 0xff) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8) | (header[3] & 0xff);
                    frame = new byte[size];
                    frameFilled = 0;
                    headerFilled = 0;
                }
            } else {
                int n = Math.min(frame.length - frameFilled, end - off);
                System.arraycopy(b, off, frame, frameFilled, n);
                frameFilled += n;
                off += n;
            }
            if (frame != null && frameFilled == frame.length) {
                byte[] done = frame;
                frame = null;
                publish(done, 0, done.length);
            }
        }
    }

    private void publish(byte[] bytes, int off, int len) {
        try {
            JsonNode frame = json.readTree(bytes, off, len);
            String kind = frame.path("kind").asText();
            switch (kind) {
                case "display", "update" -> iopub.display((ObjectNode) frame.get("data"), (ObjectNode) frame.get("metadata"),
                        frame.path("display_id").asText(null), kind.equals("update"));
                case "clear" -> iopub.clearOutput(frame.path("wait").asBoolean(false));
                default -> Log.warn("unknown display frame '%s'", kind);
            }
        } catch (IOException | ClassCastException e) {
            Log.warn("bad display frame: %s", e);
        }
    }
}
