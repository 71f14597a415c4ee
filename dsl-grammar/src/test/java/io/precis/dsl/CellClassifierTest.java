package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The kernel's DSL-or-Java rule against corpora of Java and DSL cells. */
class CellClassifierTest {

    static List<String> javaCells() {
        return Corpus.cells("classifier/java.txt");
    }

    static List<String> dslCells() {
        return Corpus.cells("classifier/dsl.txt");
    }

    @ParameterizedTest(name = "Java: {0}")
    @MethodSource("javaCells")
    void javaIsNeverTakenForDsl(String cell) {
        assertFalse(CellClassifier.isDsl(cell), cell);
    }

    @ParameterizedTest(name = "DSL: {0}")
    @MethodSource("dslCells")
    void dslIsRecognised(String cell) {
        assertTrue(CellClassifier.isDsl(cell), cell);
    }

    @Test
    void corporaAreLargeEnoughToMeanSomething() {
        assertTrue(javaCells().size() >= 80);
        assertTrue(dslCells().size() >= 45);
    }

    @Test
    void recognisedDslCellsThatAreValidParse() {
        // The classifier and the parser agree on what starts a statement.
        for (String cell : dslCells()) {
            if (!cell.contains("double")) {
                ParseResult r = DslParser.parse(cell);
                assertFalse(r.hasErrors(), cell + "\n" + r.formatDiagnostics());
            }
        }
    }

    @Test
    void theJavaLinesOfTheVisionSessionAreJava() {
        assertFalse(CellClassifier.isDsl("double x = 0.002;                             // an ordinary Java cell"));
        assertFalse(CellClassifier.isDsl(
                "best.layers().stream().filter(l -> l.bits() < 8).count()   // Java again, on the DSL's result"));
        assertFalse(CellClassifier.isDsl("%precis help"));
        assertFalse(CellClassifier.isDsl(""));
        assertFalse(CellClassifier.isDsl("// just a comment"));
    }

    @Test
    void looksLikeJavaSpotsJavaLinesForErrorMessages() {
        assertTrue(CellClassifier.looksLikeJava("double x = 0.002;"));
        assertTrue(CellClassifier.looksLikeJava("System.out.println(x)"));
        assertTrue(CellClassifier.looksLikeJava("var y = 2"));
        assertTrue(CellClassifier.looksLikeJava("for (int i = 0; i < 3; i++) {"));
        assertFalse(CellClassifier.looksLikeJava("quantise layer* to int4"));
        assertFalse(CellClassifier.looksLikeJava("shwo plan // comment;"));
    }

    @Test
    void aMisspeltStatementIsNamedAlsoAfterCommentLines() {
        assertEquals(Optional.of("quantize"), CellClassifier.misspeltStatement("quantise layer* to int4"));
        assertEquals(Optional.of("quantize"), CellClassifier.misspeltStatement(
                "// calibrate first\n# then quantize\n/* block\n comment */\n  quantise layer* to int4"));
        assertEquals(Optional.of("evaluate"), CellClassifier.misspeltStatement("// how good is it\nevalute"));
    }

    @Test
    void javaWordsAndShortWordsAreNotTakenForMisspeltStatements() {
        for (String java : List.of("long x = 1;", "// c\nfloat f = 2f;", "int n = 1;", "quantize(3);", "var s = 1;",
                "// only a comment", "")) {
            assertEquals(Optional.empty(), CellClassifier.misspeltStatement(java), java);
        }
    }
}
