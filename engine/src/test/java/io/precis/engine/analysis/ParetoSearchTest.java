package io.precis.engine.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The exact front against brute force over every combination, on seeded random instances. */
class ParetoSearchTest {

    record Combo(long bits, double damage) {}

    static List<Combo> all(List<List<ParetoSearch.Option>> layers) {
        List<Combo> out = new ArrayList<>();
        int n = layers.size();
        int[] idx = new int[n];
        while (true) {
            long b = 0;
            double d = 0;
            for (int k = 0; k < n; k++) { // same summation order as the search
                b += layers.get(k).get(idx[k]).bits();
                d += layers.get(k).get(idx[k]).damage();
            }
            out.add(new Combo(b, d));
            int k = n - 1;
            while (k >= 0 && ++idx[k] == layers.get(k).size()) idx[k--] = 0;
            if (k < 0) return out;
        }
    }

    static List<List<ParetoSearch.Option>> instance(SplittableRandom r, int layers, int options, boolean ties, boolean negative) {
        List<List<ParetoSearch.Option>> out = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            List<ParetoSearch.Option> o = new ArrayList<>();
            long size = ties ? 4 * (1 + r.nextInt(2)) : 1 + r.nextInt(50);
            for (int j = 0; j < options; j++) {
                long bits = size * (2 + r.nextInt(ties ? 3 : 8));
                double damage = ties ? r.nextInt(4) * 0.25 : r.nextDouble() * (negative ? 2 : 1) - (negative ? 0.3 : 0);
                o.add(new ParetoSearch.Option(bits, damage));
            }
            out.add(o);
        }
        return out;
    }

    @Test
    void frontIsExactlyTheNonDominatedSetOfAllCombinations() {
        SplittableRandom r = new SplittableRandom(11);
        for (int trial = 0; trial < 200; trial++) {
            var inst = instance(r, 1 + r.nextInt(6), 1 + r.nextInt(4), trial % 3 == 0, trial % 5 == 0);
            List<Combo> all = all(inst);
            List<ParetoSearch.Solution> front = ParetoSearch.front(inst, () -> {});
            // strictly increasing bits, strictly falling damage
            for (int i = 1; i < front.size(); i++) {
                assertTrue(front.get(i).bits() > front.get(i - 1).bits(), "trial " + trial);
                assertTrue(front.get(i).damage() < front.get(i - 1).damage(), "trial " + trial);
            }
            // each point is what its choice adds up to, and no combination dominates it
            for (ParetoSearch.Solution s : front) {
                long b = 0;
                double d = 0;
                for (int k = 0; k < inst.size(); k++) {
                    b += inst.get(k).get(s.choice()[k]).bits();
                    d += inst.get(k).get(s.choice()[k]).damage();
                }
                assertEquals(s.bits(), b);
                assertEquals(s.damage(), d);
                for (Combo c : all)
                    assertTrue(!(c.bits() <= s.bits() && c.damage() <= s.damage() && (c.bits() < s.bits() || c.damage() < s.damage())),
                            "trial " + trial + ": " + c + " dominates " + s.bits() + "," + s.damage());
            }
            // every combination is matched or dominated by a front point
            for (Combo c : all)
                assertTrue(front.stream().anyMatch(s -> s.bits() <= c.bits() && s.damage() <= c.damage()), "trial " + trial + ": " + c + " not covered");
        }
    }

    @Test
    void budgetAndLimitAnswersEqualBruteForceOptima() {
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 200; trial++) {
            var inst = instance(r, 2 + r.nextInt(5), 2 + r.nextInt(3), trial % 4 == 0, false);
            List<Combo> all = all(inst);
            List<ParetoSearch.Solution> front = ParetoSearch.front(inst, () -> {});
            long minBits = all.stream().mapToLong(Combo::bits).min().orElseThrow();
            long maxBits = all.stream().mapToLong(Combo::bits).max().orElseThrow();
            long budget = minBits + r.nextLong(maxBits - minBits + 1);
            double best = all.stream().filter(c -> c.bits() <= budget).mapToDouble(Combo::damage).min().orElseThrow();
            assertEquals(best, ParetoSearch.minDamage(front, budget).orElseThrow().damage(), "trial " + trial);
            double limit = all.get(r.nextInt(all.size())).damage();
            long fewest = all.stream().filter(c -> c.damage() <= limit).mapToLong(Combo::bits).min().orElseThrow();
            assertEquals(fewest, ParetoSearch.minBits(front, limit).orElseThrow().bits(), "trial " + trial);
            assertEquals(Optional.empty(), ParetoSearch.minDamage(front, minBits - 1));
        }
    }

    @Test
    void thirtySixLayersOfTwoShapesStayTractable() {
        SplittableRandom r = new SplittableRandom(3);
        List<List<ParetoSearch.Option>> inst = new ArrayList<>();
        long[] bitsPerWeight16 = {8 * 16 + 3, 4 * 16 + 3, 3 * 16 + 3, 32 * 16}; // int8, int4, int3 (+ scales), fp32
        for (int k = 0; k < 36; k++) {
            long params = k % 6 >= 4 ? 589_824 : 147_456;
            List<ParetoSearch.Option> o = new ArrayList<>();
            for (int j = 0; j < 4; j++) o.add(new ParetoSearch.Option(params * bitsPerWeight16[j] / 16, j == 3 ? 0 : r.nextDouble() * (j + 1) * 1e-3));
            inst.add(o);
        }
        List<ParetoSearch.Solution> front = ParetoSearch.front(inst, () -> {});
        assertTrue(front.size() > 100 && front.size() < 5_000_000, "front of " + front.size());
        assertEquals(0.0, front.get(front.size() - 1).damage());
    }
}
