package io.precis.dsl;

/** What kind of thing may stand at a position of a cell: what completion should offer, what an error expected. */
public enum Expect {
    /** A DSL keyword; the keywords themselves are listed by {@link CompletionContext#keywords()}. */
    KEYWORD("a keyword"),
    STATEMENT("a statement"),
    FORMAT("a format"),
    PATTERN("a layer pattern"),
    MODEL("a model"),
    DATASET("a dataset"),
    /** A Java variable of the session (results bound with {@code as} included). */
    VARIABLE("a variable"),
    /** A new name, as in {@code as best}: nothing to complete. */
    NEW_NAME("a name"),
    SETTING("a setting name"),
    VALUE("a value"),
    CONDITION("a condition"),
    COMPARATOR("a comparison (<, <=, >, >=, =, !=)"),
    FILE("a file name in quotes"),
    MAVEN_ARTIFACT("Maven coordinates in quotes (\"group:artifact:version\")"),
    NUMBER("a number"),
    STRING("a string"),
    ENGINE("an engine name"),
    OPTION("an option name"),
    FLAVOUR("an export flavour");

    private final String phrase;

    Expect(String phrase) {
        this.phrase = phrase;
    }

    /** How an error message names it, e.g. "a format". */
    public String phrase() {
        return phrase;
    }
}
