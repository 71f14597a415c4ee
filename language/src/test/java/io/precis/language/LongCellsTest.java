package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import io.precis.dsl.DslParser;
import io.precis.language.testkit.CellTester;
import java.lang.management.ManagementFactory;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A cell's cost grows linearly with its length: the bytes allocated to parse and run 50,000 statements are
 * about five times those for 10,000 (counted by the JVM per thread, not timed), a cell runs in one call to the
 * Java side per {@code as name} whatever its length, and a cell over the limit is refused before it is parsed.
 */
class LongCellsTest {

    private static final String MLP = "../models/trained/fashion-mlp-0000.params";
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Short statements of cheap kinds, numbered so no two are alike; about 15 characters each, as in the issue. */
    private static String cell(int statements) {
        return cell(statements, false);
    }

    /** With {@code errors}, every tenth statement is a syntax error. */
    private static String cell(int statements, boolean errors) {
        String[] kinds = {"quantize a%d to int4", "keep b%d", "set seed %d", "keep c%d", "set samples %d"};
        StringBuilder sb = new StringBuilder(statements * 16);
        for (int i = 0; i < statements; i++) {
            sb.append(errors && i % 10 == 3 ? "keep to e" + i : String.format(kinds[i % kinds.length], i)).append('\n');
        }
        return sb.toString();
    }

    /** Bytes this thread allocates while {@code work} runs (after one warm-up run, so class loading and JIT do not count). */
    private static long allocated(Supplier<?> work) {
        work.get();
        long id = Thread.currentThread().threadId();
        long before = THREADS.getThreadAllocatedBytes(id);
        work.get();
        return THREADS.getThreadAllocatedBytes(id) - before;
    }

    private static void assertLinear(long small, long large, String what) {
        double ratio = (double) large / small;
        System.out.printf("%s: 10k statements %,d B, 50k %,d B allocated, ratio %.2f%n", what, small, large, ratio);
        // 5x the statements: linear is 5; quadratic would be 25
        assertTrue(ratio > 3.5 && ratio < 7, what + ": 10k statements " + small + " B, 50k " + large + " B, ratio " + ratio);
    }

    @Test
    void parsingAllocatesInProportionToTheCell() {
        String small = cell(10_000);
        String large = cell(50_000);
        assertEquals(50_000, DslParser.parse(large).program().statements().size());
        assertLinear(allocated(() -> DslParser.parse(small)), allocated(() -> DslParser.parse(large)), "parse");
        String smallBad = cell(10_000, true);
        String largeBad = cell(50_000, true);
        assertEquals(5_000, DslParser.parse(largeBad).diagnostics().size());
        assertLinear(allocated(() -> DslParser.parse(smallBad)), allocated(() -> DslParser.parse(largeBad)), "parse with errors");
    }

    @Test
    void runningAllocatesInProportionAndCrossesOncePerBinding() {
        try (CellTester cells = new CellTester()) {
            cells.run("load model \"" + MLP + "\" as mlp").assertOk();
            String small = cell(10_000);
            String large = cell(50_000) + "show plan as p\n";
            int calls = cells.statementCalls();
            cells.run(large, "long").assertOk();
            assertEquals(calls + 1, cells.statementCalls(), "50,001 statements, one binding: one call");
            assertEquals(30_000, cells.session().rules().size(), "every quantize and keep is a rule");
            // the same cell id again: its rules are replaced, not added
            long smallBytes = allocated(() -> cells.run(small, "long").assertOk());
            long largeBytes = allocated(() -> cells.run(large, "long").assertOk());
            assertEquals(30_000, cells.session().rules().size());
            assertLinear(smallBytes, largeBytes, "run");
            String errors = cells.run(cell(50_000, true), "bad").assertFailed("PrecisSyntaxError");
            assertTrue(errors.lines().count() < 100 && errors.contains("more syntax errors"), errors.substring(0, 300));
        }
    }

    @Test
    void aCellOverTheLimitIsRefusedAtOnceNamingTheLimit() {
        try (CellTester cells = new CellTester()) {
            String huge = cell(700_000); // about 10 MB
            assertTrue(huge.length() > CellLanguage.MAX_CELL_CHARS);
            long bytes = allocated(() -> cells.run(huge).assertFailed("PrecisError"));
            String error = cells.run(huge).assertFailed("PrecisError");
            assertTrue(error.startsWith("line 1:1: this cell is too long") && error.contains("at most 1,000,000 characters"), error);
            assertTrue(bytes < huge.length(), "refused without parsing: " + bytes + " B allocated for " + huge.length() + " characters");
            assertEquals(0, cells.statementCalls());
        }
    }
}
