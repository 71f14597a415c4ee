package io.precis.kernel.display;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Carries display messages from the execution JVM to the kernel, as length-prefixed JSON frames on a
 * channel multiplexed with System.out, so a display appears exactly where it was made among printed lines.
 * Outside the kernel (plain java, tests) displays fall back to their plain text on System.out.
 */
public final class DisplayChannel {

    private static volatile OutputStream out;

    private DisplayChannel() {}

    /** Installed by the execution JVM's agent; not for user code. */
    public static void install(OutputStream stream) {
        out = stream;
    }

    static boolean connected() {
        return out != null;
    }

    static void send(Map<String, Object> frame) {
        OutputStream o = out;
        if (o == null) {
            Object data = frame.get("data");
            if (data instanceof Map<?, ?> m && m.get("text/plain") != null) {
                System.out.println(m.get("text/plain"));
            }
            return;
        }
        byte[] json = Renderers.writeJson(frame).getBytes(StandardCharsets.UTF_8);
        byte[] packet = new byte[4 + json.length];
        packet[0] = (byte) (json.length >>> 24);
        packet[1] = (byte) (json.length >>> 16);
        packet[2] = (byte) (json.length >>> 8);
        packet[3] = (byte) json.length;
        System.arraycopy(json, 0, packet, 4, json.length);
        // Printed text still buffered in System.out goes first, so the order on screen is the program's order.
        System.out.flush();
        System.err.flush();
        try {
            synchronized (DisplayChannel.class) {
                o.write(packet);
                o.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the kernel connection is closed", e);
        }
    }
}
