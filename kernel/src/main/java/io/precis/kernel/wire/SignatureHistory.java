package io.precis.kernel.wire;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * The last {@code capacity} message signatures, to refuse a message sent twice (a replay). Keeps the first
 * 128 bits of each HMAC, oldest forgotten first: a few megabytes at most, and two different messages share
 * 128 bits of an HMAC-SHA256 with negligible probability.
 */
final class SignatureHistory {

    private record Key(long high, long low) {}

    private final Set<Key> keys = new HashSet<>();
    private final Key[] order;
    private int next;

    SignatureHistory(int capacity) {
        this.order = new Key[capacity];
    }

    /** Remembers a signature; false when it was already there. */
    synchronized boolean add(byte[] mac) {
        ByteBuffer b = ByteBuffer.wrap(mac);
        Key k = new Key(b.getLong(0), b.getLong(8));
        if (!keys.add(k)) {
            return false;
        }
        Key old = order[next];
        if (old != null) {
            keys.remove(old);
        }
        order[next] = k;
        next = (next + 1) % order.length;
        return true;
    }

    synchronized int size() {
        return keys.size();
    }
}
