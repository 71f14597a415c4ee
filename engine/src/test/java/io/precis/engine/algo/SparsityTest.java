package io.precis.engine.algo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.model.TensorRef;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Sparsity against checks written here from the definitions: zeros per run, magnitude order, both layouts, bits. */
class SparsityTest {

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) r.nextGaussian();
        return w;
    }

    /** In every run of 4 along the reduction axis: exactly 2 zeros, and they were the 2 smallest |w| of the run. */
    private static void checkTwoFour(float[] orig, float[] pruned, int rows, int cols, int reductionAxis) {
        int runs = 0;
        int outer = reductionAxis == 1 ? rows : cols;
        int inner = reductionAxis == 1 ? cols : rows;
        for (int o = 0; o < outer; o++) {
            for (int s = 0; s < inner; s += 4) {
                double maxZeroed = 0;
                double minKept = Double.MAX_VALUE;
                int zeros = 0;
                for (int k = s; k < s + 4; k++) {
                    int i = reductionAxis == 1 ? o * cols + k : k * cols + o;
                    if (pruned[i] == 0f) {
                        zeros++;
                        maxZeroed = Math.max(maxZeroed, Math.abs(orig[i]));
                    } else {
                        assertEquals(orig[i], pruned[i], "kept weights keep their value");
                        minKept = Math.min(minKept, Math.abs(orig[i]));
                    }
                }
                assertEquals(2, zeros);
                assertTrue(maxZeroed <= minKept);
                runs++;
            }
        }
        assertEquals(rows * cols / 4, runs);
    }

    @Test
    void twoFourAlongEitherLayout() {
        int rows = 12;
        int cols = 32;
        for (int axis = 0; axis <= 1; axis++) {
            float[] w = random(rows * cols, 7 + axis);
            float[] orig = w.clone();
            int zeroed = Sparsity.semiStructured(2, 4).apply(w, new long[] {rows, cols}, axis);
            assertEquals(rows * cols / 2, zeroed);
            checkTwoFour(orig, w, rows, cols, axis);
        }
    }

    @Test
    void unstructuredZeroesTheSmallestFraction() {
        float[] w = random(1000, 3);
        float[] orig = w.clone();
        assertEquals(300, Sparsity.unstructured(0.3).apply(w, new long[] {10, 100}, 0));
        double maxZeroed = 0;
        double minKept = Double.MAX_VALUE;
        int zeros = 0;
        for (int i = 0; i < w.length; i++) {
            if (w[i] == 0f) {
                zeros++;
                maxZeroed = Math.max(maxZeroed, Math.abs(orig[i]));
            } else {
                minKept = Math.min(minKept, Math.abs(orig[i]));
            }
        }
        assertEquals(300, zeros);
        assertTrue(maxZeroed <= minKept);
    }

    @Test
    void bitsCountKeptValuesScalesAndIndex() {
        // int4 with 0.125 bits of scales per weight: 2:4 keeps half the values (2 bits), scales stay, index 2 bits per kept
        assertEquals(2 + 0.125 + 1, Sparsity.semiStructured(2, 4).bitsPerWeight(4, 0.125), 1e-12);
        // unstructured 50% at full precision: 16 bits of kept values, a 1-bit mask
        assertEquals(16 + 1, Sparsity.unstructured(0.5).bitsPerWeight(32, 0), 1e-12);
        // 1:8 keeps an eighth, 3 index bits each
        assertEquals(4.0 / 8 + 3.0 / 8, Sparsity.semiStructured(1, 8).bitsPerWeight(4, 0), 1e-12);
        assertEquals("2:4", Sparsity.semiStructured(2, 4).toString());
        assertEquals("50%", Sparsity.unstructured(0.5).toString());
        assertEquals("12.5%", Sparsity.unstructured(0.125).toString());
    }

    @Test
    void misfitsAndBadValuesAreSaid() {
        TensorRef onnx = new TensorRef("w", TensorRef.Role.WEIGHT, new long[] {30, 8}, "float32", 1);
        assertTrue(Sparsity.semiStructured(2, 4).misfit(onnx).contains("multiple of 4; w has 30 inputs"));
        assertNull(Sparsity.semiStructured(2, 4).misfit(new TensorRef("v", TensorRef.Role.WEIGHT, new long[] {8, 30}, "float32", 1)));
        assertNull(Sparsity.unstructured(0.5).misfit(onnx));
        assertThrows(IllegalArgumentException.class, () -> Sparsity.unstructured(1));
        assertThrows(IllegalArgumentException.class, () -> Sparsity.semiStructured(4, 4));
    }
}
