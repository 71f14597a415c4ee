package io.precis.language;

import java.util.List;

/**
 * A cell as it crosses to the execution JVM, once: its text (line numbering kept), the notebook cell it comes
 * from, and for each statement the names it reads from the Java session, in the order their values follow.
 */
public record CellText(String cellId, String source, List<List<String>> references) {

    public CellText {
        references = references.stream().map(List::copyOf).toList();
    }

    /**
     * The distinct names statements {@code from..to-1} read, in order of first use: the values a call that runs
     * those statements carries, in this order (both JVMs compute it from the same text).
     */
    public List<String> names(int from, int to) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        for (int i = from; i < to; i++) {
            out.addAll(references.get(i));
        }
        return List.copyOf(out);
    }

    /** As plain arrays, for a channel that carries only JDK types: {@code {cellId, source, String[][] references}}. */
    public Object[] toArray() {
        String[][] refs = references.stream().map(r -> r.toArray(String[]::new)).toArray(String[][]::new);
        return new Object[] {cellId, source, refs};
    }

    public static CellText fromArray(Object[] a) {
        String[][] refs = (String[][]) a[2];
        return new CellText((String) a[0], (String) a[1], java.util.Arrays.stream(refs).map(List::of).toList());
    }
}
