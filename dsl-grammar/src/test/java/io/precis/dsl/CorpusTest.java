package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.dsl.ast.Nodes;
import io.precis.dsl.ast.Program;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Valid programs parse, have the number of statements their header says, and survive printing:
 * parse(print(parse(x))) equals parse(x) ignoring spans. Wrong programs give exactly the messages in
 * their .expected file.
 */
class CorpusTest {

    static Stream<Path> validPrograms() {
        List<Path> files = Corpus.files("valid", ".precis");
        assertTrue(files.size() >= 10, "valid corpus present");
        return files.stream();
    }

    static Stream<Path> wrongPrograms() {
        List<Path> files = Corpus.files("errors", ".precis");
        assertTrue(files.size() >= 30, "error corpus present");
        return files.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validPrograms")
    void validProgramParsesAndRoundTrips(Path file) {
        String source = Corpus.read(file);
        ParseResult first = DslParser.parse(source);
        assertEquals("", first.formatDiagnostics(), "no diagnostics for " + file.getFileName());

        Matcher header = java.util.regex.Pattern.compile("// statements: (\\d+)").matcher(source);
        assertTrue(header.find(), "header with the statement count");
        assertEquals(Integer.parseInt(header.group(1)), first.program().statements().size(), "statement count");

        String printed = AstPrinter.print(first.program());
        ParseResult second = DslParser.parse(printed);
        assertEquals("", second.formatDiagnostics(), "printed source parses:\n" + printed);
        Program a = Nodes.withoutSpans(first.program());
        Program b = Nodes.withoutSpans(second.program());
        assertEquals(a.statements(), b.statements(), "round trip of\n" + printed);
        assertEquals(printed, AstPrinter.print(second.program()), "printing is stable");
        assertEquals(Completeness.COMPLETE, DslParser.isComplete(source));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongPrograms")
    void wrongProgramGivesTheExpectedMessages(Path file) {
        String source = Corpus.read(file);
        String expected = Corpus.read(Path.of(file.toString().replace(".precis", ".expected"))).stripTrailing();
        ParseResult result = DslParser.parse(source);
        assertTrue(result.hasErrors());
        assertEquals(expected, result.formatDiagnostics());
        assertFalse(result.formatDiagnostics().contains("Exception"), "no stack trace text");
    }
}
