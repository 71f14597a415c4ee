package io.precis.engine.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The exact Pareto front of a multiple-choice problem: every layer takes exactly one of its options, each
 * with a storage cost in bits (an integer: codes plus scales) and a damage; a total is the sum over layers.
 *
 * <p>Algorithm: dynamic programming over the layers with dominance pruning (Nemhauser–Ullmann). After layer
 * k the list holds every non-dominated (total bits, total damage) of the first k layers, sorted by bits with
 * strictly falling damage; the next list is the merge of that list shifted by each option's cost, pruned
 * again. Nothing is discretised or rounded: the front is exact, and so are the answers read from it (least
 * damage within a bit budget, fewest bits within a damage limit), for the additive objective it is given.
 * Ties (equal bits and damage) keep the combination found first. The cost is the sum of the fronts' sizes
 * times the options per layer; the fronts stay small in practice because layers of equal shape have equal
 * costs.
 */
public final class ParetoSearch {
    /** A front larger than this is refused (memory), with a message; far above anything seen in practice. */
    static final int MAX_FRONT = 5_000_000;

    private ParetoSearch() {}

    /** One choice for one layer. */
    public record Option(long bits, double damage) {}

    /** A combination: its totals and the option index chosen for each layer. */
    public record Solution(long bits, double damage, int[] choice) {
        public Solution {
            choice = choice.clone();
        }

        @Override
        public int[] choice() {
            return choice.clone();
        }
    }

    /**
     * The front, fewest bits first (damage falling strictly along it).
     *
     * @param checkpoint called before each layer (the caller's interrupt check)
     */
    public static List<Solution> front(List<List<Option>> layers, Runnable checkpoint) {
        int n = layers.size();
        for (int i = 0; i < n; i++)
            if (layers.get(i).isEmpty()) throw new IllegalArgumentException("layer " + i + " has no options");
        long[] bits = {0};
        double[] damage = {0};
        int[][] parent = new int[n][];
        int[][] option = new int[n][];
        for (int k = 0; k < n; k++) {
            checkpoint.run();
            List<Option> opts = layers.get(k);
            int m = opts.size(), size = bits.length;
            int[] next = new int[m]; // per option: index into the previous front
            long[] nb = new long[(int) Math.min((long) size * m, MAX_FRONT + 1L)];
            double[] nd = new double[nb.length];
            int[] np = new int[nb.length];
            int[] no = new int[nb.length];
            int count = 0;
            double best = Double.POSITIVE_INFINITY;
            while (true) {
                // the smallest (bits, damage) among the options' next candidates: a k-way merge of sorted lists
                int pick = -1;
                long pb = 0;
                double pd = 0;
                for (int o = 0; o < m; o++) {
                    if (next[o] >= size) continue;
                    long b = bits[next[o]] + opts.get(o).bits();
                    double d = damage[next[o]] + opts.get(o).damage();
                    if (pick < 0 || b < pb || (b == pb && d < pd)) {
                        pick = o;
                        pb = b;
                        pd = d;
                    }
                }
                if (pick < 0) break;
                if (pd < best) {
                    if (count > MAX_FRONT) throw new IllegalStateException("the Pareto front grew past " + MAX_FRONT
                            + " points at layer " + (k + 1) + " of " + n + "; search fewer layers or formats");
                    best = pd;
                    nb[count] = pb;
                    nd[count] = pd;
                    np[count] = next[pick];
                    no[count] = pick;
                    count++;
                }
                next[pick]++;
            }
            bits = java.util.Arrays.copyOf(nb, count);
            damage = java.util.Arrays.copyOf(nd, count);
            parent[k] = java.util.Arrays.copyOf(np, count);
            option[k] = java.util.Arrays.copyOf(no, count);
        }
        List<Solution> out = new ArrayList<>(bits.length);
        for (int i = 0; i < bits.length; i++) {
            int[] choice = new int[n];
            int at = i;
            for (int k = n - 1; k >= 0; k--) {
                choice[k] = option[k][at];
                at = parent[k][at];
            }
            out.add(new Solution(bits[i], damage[i], choice));
        }
        return out;
    }

    /** The least damage within {@code maxBits} (the front's point with the most bits that fits). */
    public static Optional<Solution> minDamage(List<Solution> front, double maxBits) {
        Solution best = null;
        for (Solution s : front) if (s.bits() <= maxBits) best = s;
        return Optional.ofNullable(best);
    }

    /** The fewest bits whose damage is at most {@code maxDamage}. */
    public static Optional<Solution> minBits(List<Solution> front, double maxDamage) {
        for (Solution s : front) if (s.damage() <= maxDamage) return Optional.of(s);
        return Optional.empty();
    }
}
