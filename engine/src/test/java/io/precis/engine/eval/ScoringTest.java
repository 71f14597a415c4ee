package io.precis.engine.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScoringTest {
    @Test
    void crossEntropyOfUniformLogitsIsLogClassesAndAccuracyCountsArgmax() {
        float[][] logits = {{0, 0, 0, 0}, {5, 1, 0, 0}};
        double[] r = Scoring.crossEntropyAndAccuracy(logits, new int[] {2, 0});
        double second = Math.log(Math.exp(5) + Math.exp(1) + 2) - 5;
        assertEquals((Math.log(4) + second) / 2, r[0], 1e-12);
        assertEquals(0.5, r[1]); // argmax of the uniform row is class 0, not 2
    }

    @Test
    void crossEntropyOverSequencesUsesEveryPosition() {
        // one row, two positions of 2 classes each
        float[][] logits = {{0, 0, 10, 0}};
        double[] r = Scoring.crossEntropyAndAccuracy(logits, new int[] {1, 0});
        assertEquals((Math.log(2) + Math.log(1 + Math.exp(-10))) / 2, r[0], 1e-12);
        assertEquals(0.5, r[1]); // position 0 is a tie (argmax 0, label 1), position 1 is right
    }

    @Test
    void klIsZeroForTheSameLogitsAndMatchesTheFormula() {
        float[][] p = {{1, 2, 3}};
        assertEquals(0.0, Scoring.meanKl(p, p, 3), 1e-12);
        float[][] q = {{0, 0, 0}};
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        double kl = 0;
        for (int i = 1; i <= 3; i++) kl += Math.exp(i) / z * (Math.log(Math.exp(i) / z) - Math.log(1 / 3.0));
        assertEquals(kl, Scoring.meanKl(p, q, 3), 1e-12);
        assertTrue(Scoring.meanKl(q, p, 3) > 0);
    }

    @Test
    void cosineAndNearestNeighbours() {
        assertEquals(1.0, Scoring.cosine(new float[] {1, 2}, new float[] {2, 4}), 1e-12);
        assertEquals(0.0, Scoring.cosine(new float[] {1, 0}, new float[] {0, 3}), 1e-12);
        float[][] ref = {{1, 0}, {0.9f, 0.1f}, {0, 1}, {0.1f, 0.9f}};
        assertEquals(1.0, Scoring.nearestNeighbourAgreement(ref, ref));
        float[][] moved = {{1, 0}, {0.1f, 0.9f}, {0, 1}, {0.9f, 0.1f}};
        assertEquals(0.0, Scoring.nearestNeighbourAgreement(moved, ref));
    }
}
