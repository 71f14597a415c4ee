package io.precis.engine.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/** SHA-256 helpers for content hashes. */
final class Hashing {
    private Hashing() {}

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String of(Iterable<String> lines) {
        MessageDigest md = sha256();
        for (String s : lines) {
            md.update(s.getBytes(StandardCharsets.UTF_8));
            md.update((byte) '\n');
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String of(float[] values, int[] labels) {
        MessageDigest md = sha256();
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            if (b.remaining() < 4) { md.update(b.flip()); b.clear(); }
            b.putFloat(v);
        }
        for (int l : labels) {
            if (b.remaining() < 4) { md.update(b.flip()); b.clear(); }
            b.putInt(l);
        }
        md.update(b.flip());
        return HexFormat.of().formatHex(md.digest());
    }
}
