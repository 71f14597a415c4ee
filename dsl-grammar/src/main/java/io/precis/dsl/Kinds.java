package io.precis.dsl;

import io.precis.dsl.grammar.PrecisParser;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Which grammar rules stand for which {@link Expect}ed kind of thing. */
final class Kinds {

    private static final Map<Integer, Expect> BY_RULE = Map.ofEntries(
            Map.entry(PrecisParser.RULE_statement, Expect.STATEMENT),
            Map.entry(PrecisParser.RULE_formatName, Expect.FORMAT),
            Map.entry(PrecisParser.RULE_pattern, Expect.PATTERN),
            Map.entry(PrecisParser.RULE_modelRef, Expect.MODEL),
            Map.entry(PrecisParser.RULE_datasetRef, Expect.DATASET),
            Map.entry(PrecisParser.RULE_variable, Expect.VARIABLE),
            Map.entry(PrecisParser.RULE_bindingName, Expect.NEW_NAME),
            Map.entry(PrecisParser.RULE_settingName, Expect.SETTING),
            Map.entry(PrecisParser.RULE_settingValue, Expect.VALUE),
            Map.entry(PrecisParser.RULE_optionValue, Expect.VALUE),
            Map.entry(PrecisParser.RULE_operand, Expect.VALUE),
            Map.entry(PrecisParser.RULE_predicate, Expect.CONDITION),
            Map.entry(PrecisParser.RULE_andPredicate, Expect.CONDITION),
            Map.entry(PrecisParser.RULE_notPredicate, Expect.CONDITION),
            Map.entry(PrecisParser.RULE_comparator, Expect.COMPARATOR),
            Map.entry(PrecisParser.RULE_filePath, Expect.FILE),
            Map.entry(PrecisParser.RULE_mavenCoordinates, Expect.MAVEN_ARTIFACT),
            Map.entry(PrecisParser.RULE_number, Expect.NUMBER),
            Map.entry(PrecisParser.RULE_engineName, Expect.ENGINE),
            Map.entry(PrecisParser.RULE_optionKey, Expect.OPTION),
            Map.entry(PrecisParser.RULE_flavour, Expect.FLAVOUR));

    private Kinds() {
    }

    /**
     * The first kind in list order: for rules entered (outermost first) the broadest, as error messages
     * want ("a condition"); for a stack (innermost first) the narrowest.
     */
    static Optional<Expect> outermost(List<Integer> rules) {
        for (int rule : rules) {
            Expect kind = BY_RULE.get(rule);
            if (kind != null) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    /** The narrowest kind among rules entered, for completion: "a variable" inside "a value". */
    static Optional<Expect> innermost(List<Integer> rules) {
        for (int i = rules.size() - 1; i >= 0; i--) {
            Expect kind = BY_RULE.get(rules.get(i));
            if (kind != null) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    /** True when a keyword token is read as a name here (e.g. {@code model} in {@code use model}). */
    static boolean isName(List<Integer> rules) {
        return rules.contains(PrecisParser.RULE_nonReserved);
    }
}
