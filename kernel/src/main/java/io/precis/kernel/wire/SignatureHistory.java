package io.precis.kernel.wire;

import java.nio.ByteBuffer;

/**
 * The last {@code capacity} message signatures, to refuse a message sent twice (a replay). Keeps the first
 * 128 bits of each HMAC, oldest forgotten first; two different messages share 128 bits of an HMAC-SHA256
 * with negligible probability.
 *
 * <p>Fixed-size arrays allocated once: a ring of the signatures in arrival order and an open-addressing
 * index into it (linear probing, twice the capacity so probes stay short). For 2^16 signatures that is
 * 1.5 MiB from the start instead of a set of objects that grew to 4.5 MiB (a record and a map node per
 * signature) and counted as growth of a long session's heap.
 */
final class SignatureHistory {

    /** Signatures by arrival, two longs each; {@code count} are in use, the oldest at {@code next} once full. */
    private final long[] ring;
    /** Ring position + 1 of each stored signature, 0 for an empty slot. */
    private final int[] index;
    private final int mask;
    private int next;
    private int count;

    SignatureHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.ring = new long[2 * capacity];
        int slots = Integer.highestOneBit(Math.max(2, 2 * capacity - 1)) << 1;
        this.index = new int[slots];
        this.mask = slots - 1;
    }

    /** Remembers a signature; false when it was already there. */
    synchronized boolean add(byte[] mac) {
        ByteBuffer b = ByteBuffer.wrap(mac);
        long high = b.getLong(0);
        long low = b.getLong(8);
        int slot = home(high, low);
        for (int p; (p = index[slot]) != 0; slot = (slot + 1) & mask) {
            if (ring[2 * (p - 1)] == high && ring[2 * (p - 1) + 1] == low) {
                return false;
            }
        }
        int capacity = ring.length / 2;
        if (count == capacity) {
            remove(next);
        } else {
            count++;
        }
        ring[2 * next] = high;
        ring[2 * next + 1] = low;
        // The slot found above may have been emptied or refilled by the removal: probe again.
        slot = home(high, low);
        while (index[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        index[slot] = next + 1;
        next = (next + 1) % capacity;
        return true;
    }

    /** Takes the signature at ring position {@code pos} out of the index (backward-shift deletion, no tombstones). */
    private void remove(int pos) {
        int slot = home(ring[2 * pos], ring[2 * pos + 1]);
        while (index[slot] != pos + 1) {
            slot = (slot + 1) & mask;
        }
        int hole = slot;
        for (int s = (hole + 1) & mask; index[s] != 0; s = (s + 1) & mask) {
            int p = index[s] - 1;
            int h = home(ring[2 * p], ring[2 * p + 1]);
            // An entry may move into the hole unless its home lies cyclically in (hole, s].
            boolean stays = hole <= s ? (hole < h && h <= s) : (hole < h || h <= s);
            if (!stays) {
                index[hole] = index[s];
                hole = s;
            }
        }
        index[hole] = 0;
    }

    private int home(long high, long low) {
        // The HMAC's bits are uniformly distributed: any of them make a good hash.
        return (int) (high ^ (high >>> 32) ^ low) & mask;
    }

    synchronized int size() {
        return count;
    }
}
