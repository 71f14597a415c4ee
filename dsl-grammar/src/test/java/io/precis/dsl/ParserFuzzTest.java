package io.precis.dsl;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Jazzer fuzz target for the whole front end: any input gives a tree or structured diagnostics, never
 * an exception (properties in {@link ParserRobustnessTest#holdsFor}). It runs in its own surefire
 * execution (tag "jazzer") because Jazzer instruments the JVM it runs in.
 * <ul>
 *   <li>In a plain build it replays its seeds, src/test/resources/io/precis/dsl/ParserFuzzTestInputs/.</li>
 *   <li>{@code JAZZER_FUZZ=1 ./mvnw -B -ntp -pl dsl-grammar test -Dtest=ParserFuzzTest} fuzzes,
 *       coverage-guided, for the fixed time below (or {@code -Djazzer.max_duration=2m}); a finding is
 *       written next to the seeds and fails the build.</li>
 * </ul>
 */
class ParserFuzzTest {

    @FuzzTest(maxDuration = "30s")
    @DictionaryFile(resourcePath = "precis.dict")
    void parsesAnythingIntoTreesOrDiagnostics(byte[] input) {
        ParserRobustnessTest.holdsFor(new String(input, StandardCharsets.UTF_8), input.length);
    }
}
