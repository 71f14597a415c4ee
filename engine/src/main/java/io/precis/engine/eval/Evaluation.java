package io.precis.engine.eval;

import java.util.List;
import java.util.Locale;

/** The scores of one evaluation run, all with the same provenance. */
public record Evaluation(List<Score> scores, Provenance provenance, double seconds) {

    public Evaluation {
        scores = List.copyOf(scores);
    }

    /** The score for a metric; an error names the metrics this evaluation has. */
    public double get(Metric m) {
        return scores.stream().filter(s -> s.metric() == m).findFirst().map(Score::value).orElseThrow(() ->
                new IllegalArgumentException("no " + m.label() + " in this evaluation; it has "
                        + scores.stream().map(s -> s.metric().label()).toList()));
    }

    public boolean has(Metric m) {
        return scores.stream().anyMatch(s -> s.metric() == m);
    }

    /** The scores as a text table with their provenance. */
    public String toText() {
        return toString();
    }

    /** The scores as an HTML table (escaped), provenance below. */
    public String toHtml() {
        List<List<String>> rows = scores.stream().map(s -> List.of(s.metric().description(), String.format(Locale.ROOT, "%.6g", s.value()),
                s.metric().unit())).toList();
        return io.precis.engine.figure.Html.table("Evaluation (" + provenance.weights() + ")", List.of("metric", "value", "unit"), rows,
                java.util.Set.of(1), provenance.shortText());
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Score s : scores)
            sb.append(String.format(Locale.ROOT, "%-14s %.6g%n", s.metric().label(), s.value()));
        sb.append(provenance.shortText());
        return sb.toString();
    }
}
