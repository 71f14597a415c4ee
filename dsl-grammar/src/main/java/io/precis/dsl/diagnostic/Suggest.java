package io.precis.dsl.diagnostic;

import java.util.Locale;
import java.util.Optional;

/**
 * "Did you mean ...?" by edit distance: the optimal-string-alignment variant of Damerau-Levenshtein
 * (insertions, deletions, substitutions and swaps of two neighbouring characters), ignoring case.
 * Used for keywords here and, later, for formats, models, datasets, variables and layer names.
 */
public final class Suggest {

    private Suggest() {
    }

    /**
     * The candidate closest to {@code word}, if close enough to be a likely typo: at most 1 edit for words
     * of up to 4 characters, 2 up to 8, 3 beyond. Ties go to the earlier candidate. A candidate equal
     * to the word (ignoring case) is returned as is.
     */
    public static Optional<String> closest(String word, Iterable<String> candidates) {
        return closest(word, candidates, defaultLimit(word));
    }

    /** As {@link #closest(String, Iterable)} with an explicit maximum distance. */
    public static Optional<String> closest(String word, Iterable<String> candidates, int maxDistance) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(word, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return bestDistance <= maxDistance ? Optional.of(best) : Optional.empty();
    }

    /** The largest distance {@link #closest(String, Iterable)} accepts for a word of this length. */
    public static int defaultLimit(String word) {
        int n = word.codePointCount(0, word.length());
        return n <= 4 ? 1 : n <= 8 ? 2 : 3;
    }

    /** Edit distance ignoring case; a swap of two neighbouring characters counts as one edit. */
    public static int distance(String a, String b) {
        int[] s = a.toLowerCase(Locale.ROOT).codePoints().toArray();
        int[] t = b.toLowerCase(Locale.ROOT).codePoints().toArray();
        int[][] d = new int[s.length + 1][t.length + 1];
        for (int i = 0; i <= s.length; i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= t.length; j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= s.length; i++) {
            for (int j = 1; j <= t.length; j++) {
                int cost = s[i - 1] == t[j - 1] ? 0 : 1;
                int best = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && s[i - 1] == t[j - 2] && s[i - 2] == t[j - 1]) {
                    best = Math.min(best, d[i - 2][j - 2] + 1);
                }
                d[i][j] = best;
            }
        }
        return d[s.length][t.length];
    }
}
