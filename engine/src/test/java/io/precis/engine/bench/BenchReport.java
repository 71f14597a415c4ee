package io.precis.engine.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.engine.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A benchmark group's {@code target/bench/<group>.json}: a list of {name, value, unit, reference, ratio}, the
 * reference measured in the same run, ratio = how many times the reference's speed (or quality) we reach.
 */
public final class BenchReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ArrayNode list = JSON.createArrayNode();

    /** A time in seconds; ratio = reference / value (how many times faster). */
    public BenchReport seconds(String name, double value, Double reference) {
        return add(name, value, "s", reference, reference == null ? null : reference / value);
    }

    /** A quantity where more is better (throughput, cosine); ratio = value / reference. */
    public BenchReport higherIsBetter(String name, double value, String unit, Double reference) {
        return add(name, value, unit, reference, reference == null ? null : value / reference);
    }

    /** Seconds ("s") compare as times, anything else as a quantity where more is better. */
    public BenchReport add(String name, double value, String unit, Double reference) {
        return unit.equals("s") ? seconds(name, value, reference) : higherIsBetter(name, value, unit, reference);
    }

    /** A measurement without a reference (or whose ratio means nothing). */
    public BenchReport plain(String name, double value, String unit) {
        return add(name, value, unit, null, null);
    }

    private BenchReport add(String name, double value, String unit, Double reference, Double ratio) {
        ObjectNode n = list.addObject();
        n.put("name", name);
        n.put("value", round(value));
        n.put("unit", unit);
        if (reference == null) n.putNull("reference"); else n.put("reference", round(reference));
        if (ratio == null) n.putNull("ratio"); else n.put("ratio", round(ratio));
        System.out.printf(Locale.ROOT, "%-110s %10.4f %s%s%n", name, value, unit, ratio == null ? ""
                : String.format(Locale.ROOT, "  (reference %.4f, ratio %.2f)", reference, ratio));
        return this;
    }

    /** Writes the list atomically and echoes it. */
    public void write(Path out) throws IOException {
        String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(list);
        AtomicFiles.writeString(out, text + "\n");
        System.out.println(text);
        System.out.println("wrote " + out.toAbsolutePath());
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
