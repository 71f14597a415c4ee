package io.precis.engine.lab;

import io.precis.engine.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The lab's one tidy table, as CSV with a fixed header (the schema):
 * {@code N,D,train_precision,ptq_format,bits,algorithm,seed,loss_fp,loss_q}; one row per (model, PTQ format, bits,
 * algorithm). Read back as {@link PtqRow}s; a bad line is named by file and line number.
 */
public final class PtqTable {
    private PtqTable() {}

    public static final String HEADER = "N,D,train_precision,ptq_format,bits,algorithm,seed,loss_fp,loss_q";

    public static List<PtqRow> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).trim().equals(HEADER))
            throw new IOException(file + ":1: expected the header '" + HEADER + "'");
        List<PtqRow> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) continue;
            String[] f = line.split(",", -1);
            if (f.length != 9) throw new IOException(file + ":" + (i + 1) + ": " + f.length + " fields, the schema has 9");
            try {
                rows.add(new PtqRow(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2], f[3], Integer.parseInt(f[4]), f[5],
                        Long.parseLong(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8])));
            } catch (NumberFormatException e) {
                throw new IOException(file + ":" + (i + 1) + ": not a number: " + e.getMessage());
            }
        }
        return rows;
    }

    public static String format(PtqRow r) {
        return String.format(Locale.ROOT, "%d,%d,%s,%s,%d,%s,%d,%.6f,%.6f", r.n(), r.d(), r.trainPrecision(), r.ptqFormat(),
                r.bits(), r.algorithm(), r.seed(), r.lossFp(), r.lossQ());
    }

    /** Writes the whole table atomically. */
    public static void write(Path file, List<PtqRow> rows) throws IOException {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (PtqRow r : rows) sb.append(format(r)).append('\n');
        AtomicFiles.writeString(file, sb.toString());
    }
}
