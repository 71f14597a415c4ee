package io.precis.dsl;

import java.util.List;
import java.util.Set;

/**
 * What may be typed at the cursor of a DSL cell, for Jupyter's {@code complete_request}.
 *
 * @param replaceStart where the word being typed starts (the completion's {@code cursor_start})
 * @param replaceEnd   the cursor (the completion's {@code cursor_end})
 * @param prefix       the part of the word already typed (may be empty)
 * @param expected     the kinds of thing that fit here: {@link Expect#FORMAT}, {@link Expect#PATTERN},
 *                     {@link Expect#MODEL}, {@link Expect#VARIABLE}, ...; {@link Expect#KEYWORD} when
 *                     {@code keywords} is not empty
 * @param keywords     the keywords valid here that start with {@code prefix} (ignoring case), in
 *                     grammar order
 * @param inString     true when the cursor is inside a string: complete file names or Maven coordinates
 */
public record CompletionContext(int replaceStart, int replaceEnd, String prefix, Set<Expect> expected,
                                List<String> keywords, boolean inString) {

    public CompletionContext {
        expected = Set.copyOf(expected);
        keywords = List.copyOf(keywords);
    }

    public boolean expects(Expect kind) {
        return expected.contains(kind);
    }
}
