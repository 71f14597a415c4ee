package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The printer's exact output on every valid corpus program and every help example, against a committed file:
 * rule labels in plans quote this text, so a change to the printer must show up here. Regenerate (after checking
 * the difference) with {@code -Dprecis.golden.write=true}.
 */
class PrinterGoldenTest {

    private static final Path GOLDEN = Path.of("src/test/resources/io/precis/dsl/printed.golden");

    static String printAll() {
        StringBuilder out = new StringBuilder();
        for (Path file : Corpus.files("valid", ".precis")) {
            out.append("== ").append(file.getFileName()).append('\n')
                    .append(AstPrinter.print(DslParser.parse(Corpus.read(file)).program())).append('\n');
        }
        out.append("== help examples\n");
        for (Language.StatementHelp help : Language.statements()) {
            out.append(AstPrinter.print(DslParser.parse(help.example()).program())).append('\n');
        }
        return out.toString();
    }

    @Test
    void printedFormIsExactlyTheCommittedOne() throws IOException {
        String printed = printAll();
        if (Boolean.getBoolean("precis.golden.write")) {
            Files.writeString(GOLDEN, printed);
        }
        assertEquals(Files.readString(GOLDEN), printed);
    }
}
