package io.precis.kernel.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code precis run --check}: every number in a notebook's stored outputs against the same output of a fresh run.
 * Outputs are compared as text (streams, {@code text/plain} of results and displays, errors): the words must be
 * the same, and each number within {@code atol + rtol * |stored|}. Durations (a number before {@code s},
 * {@code ms}, {@code min}) are left out: they are never the same twice.
 */
public final class Drift {

    private static final Pattern NUMBER = Pattern.compile("(?<![\\w.])[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?(?![\\w.])");
    private static final Pattern DURATION = Pattern.compile("\\G\\s*(?:s|ms|µs|us|ns|min|sec|seconds?|minutes?)\\b");
    /** At most this many differences are listed; the count says how many there were. */
    static final int SHOWN = 20;

    private Drift() {}

    /** One difference: where, what was stored, what the run printed. */
    public record Change(int cell, int output, String stored, String now, String why) {
        @Override
        public String toString() {
            return "cell " + cell + ", output " + output + ": " + stored + " -> " + now + (why.isEmpty() ? "" : " (" + why + ")");
        }
    }

    /** The differences between the stored notebook's outputs and the fresh one's (both nbformat 4 JSON). */
    public static List<Change> compare(JsonNode stored, JsonNode fresh, double rtol, double atol) {
        List<Change> changes = new ArrayList<>();
        JsonNode a = stored.path("cells");
        JsonNode b = fresh.path("cells");
        if (a.size() != b.size()) {
            changes.add(new Change(0, 0, a.size() + " cells", b.size() + " cells", "the notebooks differ in cells"));
            return changes;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!"code".equals(a.get(i).path("cell_type").asText())) continue;
            List<String> x = texts(a.get(i).path("outputs"));
            List<String> y = texts(b.get(i).path("outputs"));
            if (x.size() != y.size()) {
                changes.add(new Change(i + 1, 0, x.size() + " outputs", y.size() + " outputs", "different outputs"));
                continue;
            }
            for (int j = 0; j < x.size(); j++) {
                compareText(i + 1, j + 1, x.get(j), y.get(j), rtol, atol, changes);
            }
        }
        return changes;
    }

    static void compareText(int cell, int output, String stored, String now, double rtol, double atol, List<Change> changes) {
        List<double[]> nx = new ArrayList<>();
        List<double[]> ny = new ArrayList<>();
        List<String> sx = new ArrayList<>();
        List<String> sy = new ArrayList<>();
        String kx = skeleton(stored, nx, sx);
        String ky = skeleton(now, ny, sy);
        if (!kx.equals(ky)) {
            String[] lx = stored.split("\n", -1);
            String[] ly = now.split("\n", -1);
            for (int l = 0; l < Math.max(lx.length, ly.length); l++) {
                String p = l < lx.length ? lx[l] : "";
                String q = l < ly.length ? ly[l] : "";
                if (!skeleton(p, new ArrayList<>(), new ArrayList<>()).equals(skeleton(q, new ArrayList<>(), new ArrayList<>()))) {
                    changes.add(new Change(cell, output, quote(p), quote(q), "text changed, line " + (l + 1)));
                    return;
                }
            }
            changes.add(new Change(cell, output, quote(stored), quote(now), "text changed"));
            return;
        }
        for (int k = 0; k < nx.size(); k++) {
            double o = nx.get(k)[0];
            double n = ny.get(k)[0];
            boolean same = o == n || Double.isNaN(o) && Double.isNaN(n) || Math.abs(o - n) <= atol + rtol * Math.abs(o);
            if (!same) {
                String rel = o == 0 ? "" : String.format(Locale.ROOT, "%+.3g%%", 100 * (n - o) / Math.abs(o));
                changes.add(new Change(cell, output, sx.get(k), sy.get(k), rel));
            }
        }
    }

    private static String quote(String s) {
        String t = s.strip();
        return "'" + (t.length() > 80 ? t.substring(0, 80) + "..." : t) + "'";
    }

    /** The text with each number replaced by '#', the numbers (and their text) in order; durations stay as text. */
    static String skeleton(String text, List<double[]> numbers, List<String> texts) {
        StringBuilder sb = new StringBuilder();
        Matcher m = NUMBER.matcher(text);
        int last = 0;
        while (m.find()) {
            Matcher d = DURATION.matcher(text);
            if (d.find(m.end()) && d.start() == m.end()) {
                sb.append(text, last, m.start()).append("<duration>");
                last = m.end();
                continue;
            }
            sb.append(text, last, m.start()).append('#');
            numbers.add(new double[] {Double.parseDouble(m.group())});
            texts.add(m.group());
            last = m.end();
        }
        return sb.append(text.substring(last)).toString();
    }

    /** The comparable text of each output: streams, text/plain of results and displays, errors. */
    static List<String> texts(JsonNode outputs) {
        List<String> out = new ArrayList<>();
        String lastStream = null;
        for (JsonNode o : outputs) {
            String type = o.path("output_type").asText();
            // Stream text is cut into outputs by timing (the kernel flushes every 50 ms): consecutive ones are one text.
            String stream = type.equals("stream") ? o.path("name").asText() : null;
            if (stream != null && stream.equals(lastStream)) {
                out.set(out.size() - 1, out.get(out.size() - 1) + join(o.path("text")));
                continue;
            }
            lastStream = stream;
            switch (type) {
                case "stream" -> out.add(join(o.path("text")));
                case "execute_result", "display_data" -> {
                    JsonNode plain = o.path("data").path("text/plain");
                    if (!plain.isMissingNode()) out.add(join(plain));
                }
                case "error" -> out.add(o.path("ename").asText() + ": " + o.path("evalue").asText());
                default -> { }
            }
        }
        return out;
    }

    private static String join(JsonNode n) {
        if (n.isArray()) {
            StringBuilder sb = new StringBuilder();
            n.forEach(x -> sb.append(x.asText()));
            return sb.toString();
        }
        return n.asText();
    }
}
