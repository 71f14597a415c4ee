package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.dsl.ast.Statement;
import io.precis.dsl.grammar.PrecisLexer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/** Help cannot drift from the grammar: these tests tie the help text to the grammar's keywords and statements. */
class LanguageTest {

    /** Literal words of a synopsis: what remains after placeholders, strings and regexes are taken out. */
    private static Set<String> literalWords(String synopsis) {
        String text = synopsis.replaceAll("re\"[^\"]*\"", " ").replaceAll("\"[^\"]*\"", " ").replaceAll("<[^>]*>", " ");
        Set<String> words = new TreeSet<>();
        for (String w : text.split("[^A-Za-z_]+")) {
            if (!w.isEmpty()) {
                words.add(w);
            }
        }
        return words;
    }

    private static List<String> synopses() {
        List<String> all = new java.util.ArrayList<>();
        Language.statements().forEach(s -> all.add(s.synopsis()));
        Language.topics().forEach(t -> all.add(t.synopsis()));
        return all;
    }

    @Test
    void keywordsComeFromTheGrammarFile() throws Exception {
        // Independent of the generated vocabulary: read the keyword rules of Precis.g4 itself.
        String grammar = Files.readString(Path.of("src/main/antlr4/io/precis/dsl/grammar/Precis.g4"));
        Matcher m = java.util.regex.Pattern.compile("(?m)^([A-Z_]+)\\s*:\\s*'([a-z]+)'\\s*;").matcher(grammar);
        Set<String> inGrammar = new TreeSet<>();
        while (m.find()) {
            assertEquals(m.group(1).toLowerCase(), m.group(2), "keyword rule named after its word");
            inGrammar.add(m.group(2));
        }
        assertEquals(inGrammar, new TreeSet<>(Language.keywords()));
        assertEquals(72, Language.keywords().size());
    }

    @Test
    void everyKeywordIsDocumentedAndEveryDocumentedWordIsAKeyword() {
        Set<String> documented = new TreeSet<>();
        for (String synopsis : synopses()) {
            Set<String> words = literalWords(synopsis);
            for (String w : words) {
                assertTrue(Language.isKeyword(w), "'" + w + "' in help is not a keyword: " + synopsis);
            }
            documented.addAll(words);
        }
        assertEquals(new TreeSet<>(Language.keywords()), documented);
    }

    @Test
    void everyExampleParsesIntoTheStatementItDocuments() {
        Set<Class<?>> covered = new HashSet<>();
        for (Language.StatementHelp help : Language.statements()) {
            ParseResult r = DslParser.parse(help.example());
            assertFalse(r.hasErrors(), help.name() + ": " + r.formatDiagnostics());
            assertEquals(1, r.program().statements().size(), help.example());
            Statement s = r.program().statements().get(0);
            String firstWord = help.example().split(" ")[0];
            assertEquals(help.name().split(" ")[0], firstWord, "example of " + help.name());
            assertEquals(firstWord, help.synopsis().split(" ")[0], "synopsis of " + help.name());
            covered.add(s.getClass());
        }
        for (Language.TopicHelp topic : Language.topics()) {
            ParseResult r = DslParser.parse(topic.example());
            assertFalse(r.hasErrors(), topic.name() + ": " + r.formatDiagnostics());
        }
        assertEquals(new HashSet<>(Arrays.asList(Statement.class.getPermittedSubclasses())), covered,
                "every kind of statement has help");
    }

    @Test
    void statementKeywordsAreWhatTheGrammarStartsStatementsWith() {
        assertEquals(List.of("load", "use", "set", "calibrate", "quantize", "keep", "prune", "show", "evaluate", "sensitivity", "sweep",
                "search", "plot", "export", "fit", "predict"), Language.statementKeywords());
        Set<String> helpStarts = new TreeSet<>();
        Language.statements().forEach(s -> helpStarts.add(s.name().split(" ")[0]));
        assertEquals(new TreeSet<>(Language.statementKeywords()), helpStarts);
    }

    @Test
    void helpAnswersStatementsTopicsAndFirstWords() {
        assertTrue(Language.help("quantize").orElseThrow().contains("quantize <patterns> to <format>"));
        String show = Language.help("SHOW").orElseThrow();
        assertTrue(show.contains("show layers") && show.contains("show plan"));
        assertTrue(Language.help(" show   plan ").orElseThrow().startsWith("show plan"));
        assertTrue(Language.help("patterns").orElseThrow().contains("re\""));
        assertTrue(Language.help("quantise").isEmpty());
        assertEquals("quantize", io.precis.dsl.diagnostic.Suggest.closest("quantise", Language.helpTopics()).orElseThrow());
        for (String topic : Language.helpTopics()) {
            assertTrue(Language.help(topic).isPresent(), topic);
        }
        String overview = Language.overview();
        for (Language.StatementHelp s : Language.statements()) {
            assertTrue(overview.contains(s.name()) && overview.contains(s.summary()), s.name());
        }
    }

    @Test
    void theFuzzDictionaryHasEveryKeyword() {
        String dictionary = Corpus.read(Corpus.dir("precis.dict"));
        for (String keyword : Language.keywords()) {
            assertTrue(dictionary.contains("\"" + keyword + "\""), keyword);
        }
    }

    @Test
    void keywordTokensAreCaseInsensitive() {
        PrecisLexer lexer = new PrecisLexer(org.antlr.v4.runtime.CharStreams.fromString("QuAnTiZe"));
        assertEquals(PrecisLexer.QUANTIZE, lexer.nextToken().getType());
        assertTrue(Language.isKeyword("WHERE"));
        assertFalse(Language.isKeyword("int4"));
    }
}
