package io.precis.engine.format;

import io.precis.engine.format.ggml.GgmlFormats;
import io.precis.engine.format.ggml.GgmlType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every format by its canonical name, and the text form of formats.
 *
 * <p>Defaults: intN per output channel, symmetric, fp16 scales; fp8/fp6/fp4 one fp32 scale per tensor,
 * saturating; nf4 groups of 64 with fp32 scales (bitsandbytes); MX blocks of 32 with E8M0 scales and NVFP4 blocks
 * of 16 with UE4M3 scales plus an fp32 tensor scale, along the reduction axis; bf16 and fp16 plain IEEE casts.
 * All round to nearest even and choose scales by absmax unless told otherwise.
 */
public final class Formats {

    /**
     * QLoRA's NormalFloat4 levels, ascending; code i is level i. Source: bitsandbytes' get_4bit_type("nf4")
     * in bitsandbytes/functional.py (the table QLoRA, arXiv 2305.14314, lists), checked in FormatsTest
     * against an independently typed copy (test resource nf4-levels.csv).
     */
    static final float[] NF4_LEVELS = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    };

    private static final Map<String, Format> CANONICAL = new LinkedHashMap<>();
    private static final Map<String, String> ALIASES = Map.of(
            "fp8", "fp8_e4m3",
            "fp6", "fp6_e2m3",
            "fp4", "fp4_e2m1",
            "mxfp8_e4m3", "mxfp8",
            "mxfp6_e2m3", "mxfp6",
            "bfloat16", "bf16",
            "float16", "fp16",
            "half", "fp16");

    static {
        for (int bits = 2; bits <= 8; bits++) {
            register(new Format("int" + bits, new Element.Int(bits), new Granularity.PerChannel(0), true,
                    new Rounding.NearestEven(), new ScaleRule.Absmax(), ScaleType.FP16, true));
        }
        for (MiniFloat t : List.of(MiniFloat.E4M3, MiniFloat.E5M2, MiniFloat.E3M2, MiniFloat.E2M3, MiniFloat.E2M1)) {
            register(new Format(t.name(), new Element.Float(t), new Granularity.PerTensor(), true,
                    new Rounding.NearestEven(), new ScaleRule.Absmax(), ScaleType.FP32, true));
        }
        register(new Format("nf4", new Element.Table("nf4", NF4_LEVELS), new Granularity.Groups(64, Granularity.ROWS),
                true, new Rounding.NearestEven(), new ScaleRule.Absmax(), ScaleType.FP32, true));
        mx("mxfp8", new Element.Float(MiniFloat.E4M3));
        mx("mxfp8_e5m2", new Element.Float(MiniFloat.E5M2));
        mx("mxfp6", new Element.Float(MiniFloat.E2M3));
        mx("mxfp6_e3m2", new Element.Float(MiniFloat.E3M2));
        mx("mxfp4", new Element.Float(MiniFloat.E2M1));
        mx("mxint8", new Element.Int(8));
        register(new Format("nvfp4", new Element.Float(MiniFloat.E2M1),
                new Granularity.Blocks(16, Granularity.ROWS, ScaleType.UE4M3, true), true,
                new Rounding.NearestEven(), new ScaleRule.Absmax(), ScaleType.UE4M3, true));
        for (MiniFloat t : List.of(MiniFloat.BF16, MiniFloat.FP16)) {
            register(new Format(t.name(), new Element.Float(t), new Granularity.Unscaled(), true,
                    new Rounding.NearestEven(), new ScaleRule.Absmax(), ScaleType.FP32, false));
        }
        // llama.cpp's block formats: the kernels live in format.ggml (GgmlFormats), reached from Quantizer
        for (GgmlType t : GgmlType.values()) {
            if (t.isQuantized()) {
                register(new Format(t.formatName(), new Element.Int(t.elementBits()),
                        new Granularity.Blocks(t.blockSize(), Granularity.ROWS, ScaleType.FP16, false), true,
                        new Rounding.NearestEven(), new ScaleRule.Absmax(), ScaleType.FP16, true));
            }
        }
    }

    private static void mx(String name, Element element) {
        register(new Format(name, element, new Granularity.Blocks(32, Granularity.ROWS, ScaleType.E8M0, false), true,
                new Rounding.NearestEven(), new ScaleRule.Absmax(), ScaleType.E8M0, true));
    }

    private static void register(Format f) {
        CANONICAL.put(f.name(), f);
    }

    private Formats() {
    }

    // ---------------------------------------------------------------- factories

    /** Integer format of 2..8 bits. */
    public static Format intN(int bits) {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("int" + bits + ": integer formats take 2 to 8 bits (int2..int8)");
        }
        return CANONICAL.get("int" + bits);
    }

    public static Format int2() { return intN(2); }

    public static Format int3() { return intN(3); }

    public static Format int4() { return intN(4); }

    public static Format int5() { return intN(5); }

    public static Format int6() { return intN(6); }

    public static Format int7() { return intN(7); }

    public static Format int8() { return intN(8); }

    public static Format fp8e4m3() { return CANONICAL.get("fp8_e4m3"); }

    public static Format fp8e5m2() { return CANONICAL.get("fp8_e5m2"); }

    public static Format fp6e3m2() { return CANONICAL.get("fp6_e3m2"); }

    public static Format fp6e2m3() { return CANONICAL.get("fp6_e2m3"); }

    public static Format fp4e2m1() { return CANONICAL.get("fp4_e2m1"); }

    public static Format nf4() { return CANONICAL.get("nf4"); }

    /** MXFP8 with E4M3 elements. */
    public static Format mxfp8() { return CANONICAL.get("mxfp8"); }

    public static Format mxfp8e5m2() { return CANONICAL.get("mxfp8_e5m2"); }

    /** MXFP6 with E2M3 elements. */
    public static Format mxfp6() { return CANONICAL.get("mxfp6"); }

    public static Format mxfp6e3m2() { return CANONICAL.get("mxfp6_e3m2"); }

    public static Format mxfp4() { return CANONICAL.get("mxfp4"); }

    public static Format mxint8() { return CANONICAL.get("mxint8"); }

    public static Format nvfp4() { return CANONICAL.get("nvfp4"); }

    public static Format bf16() { return CANONICAL.get("bf16"); }

    public static Format fp16() { return CANONICAL.get("fp16"); }

    // ---------------------------------------------------------------- names

    /** Every canonical name, in a stable order (for help text and "did you mean"). */
    public static List<String> names() {
        return List.copyOf(CANONICAL.keySet());
    }

    /** The names in short form for messages: {@code int2..int8, fp8_e4m3, ...}. */
    public static String summary() {
        List<String> parts = new ArrayList<>();
        parts.add("int2..int8");
        for (String n : CANONICAL.keySet()) {
            if (!n.startsWith("int")) {
                parts.add(n);
            }
        }
        return String.join(", ", parts);
    }

    /** The canonical name closest to {@code word} (aliases included), if one is close enough to suggest. */
    public static Optional<String> suggest(String word) {
        String w = word.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        List<String> candidates = new ArrayList<>(CANONICAL.keySet());
        candidates.addAll(ALIASES.keySet());
        for (String c : candidates) {
            int d = distance(w, c);
            if (d < bestDistance) {
                bestDistance = d;
                best = ALIASES.getOrDefault(c, c);
            }
        }
        int allowed = Math.max(1, Math.min(3, w.length() / 3));
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    // ---------------------------------------------------------------- text form

    /**
     * Reads a format from its text form: a name followed by options, e.g. {@code "mxfp4"},
     * {@code "int4 group 128 asymmetric"}, {@code "fp8_e4m3 per channel mse scales fp16"},
     * {@code "int8 per channel axis 1 stochastic seed 7"}. Case and extra spaces do not matter.
     *
     * @throws IllegalArgumentException naming the unknown word, with a suggestion and the allowed words
     */
    public static Format parse(String text) {
        String[] words = text.trim().toLowerCase(Locale.ROOT).split("\\s+");
        if (words.length == 0 || words[0].isEmpty()) {
            throw new IllegalArgumentException("empty format. Formats: " + summary());
        }
        String name = ALIASES.getOrDefault(words[0], words[0]);
        Format f = CANONICAL.get(name);
        if (f == null) {
            String hint = suggest(words[0]).map(s -> " Did you mean " + s + "?").orElse("");
            throw new IllegalArgumentException("unknown format '" + words[0] + "'." + hint + " Formats: " + summary());
        }
        Words in = new Words(text, words);
        while (in.more()) {
            String w = in.next();
            switch (w) {
                case "per" -> {
                    String what = in.next("'tensor' or 'channel'");
                    if (what.equals("tensor")) {
                        f = f.perTensor();
                    } else if (what.equals("channel")) {
                        f = f.perChannel();
                    } else {
                        throw in.error(what, "'tensor' or 'channel'");
                    }
                }
                case "group", "groups" -> f = f.groups(in.nextInt("a group size"));
                case "axis" -> f = f.axis(in.nextInt("an axis"));
                case "unscaled" -> f = f.unscaled();
                case "symmetric", "sym" -> f = f.symmetric();
                case "asymmetric", "asym" -> f = f.asymmetric();
                case "rne", "nearest" -> f = f.nearestEven();
                case "stochastic", "sr" -> {
                    long seed = 0;
                    if (in.peek("seed")) {
                        in.next();
                        seed = in.nextLong("a seed");
                    }
                    f = f.stochastic(seed);
                }
                case "absmax" -> f = f.absmax();
                case "mse" -> {
                    double shrink = ScaleRule.Mse.DEFAULT_MAX_SHRINK;
                    int steps = ScaleRule.Mse.DEFAULT_STEPS;
                    if (in.peek("shrink")) {
                        in.next();
                        shrink = in.nextDouble("a max shrink in (0, 1)");
                    }
                    if (in.peek("steps")) {
                        in.next();
                        steps = in.nextInt("a number of steps");
                    }
                    f = f.scaleRule(new ScaleRule.Mse(shrink, steps));
                }
                case "percentile" -> f = f.percentile(in.nextDouble("a percentile in (0, 100]"));
                case "scales" -> {
                    String t = in.next("fp32, fp16 or bf16");
                    ScaleType type = switch (t) {
                        case "fp32" -> ScaleType.FP32;
                        case "fp16" -> ScaleType.FP16;
                        case "bf16" -> ScaleType.BF16;
                        default -> throw in.error(t, "fp32, fp16 or bf16");
                    };
                    f = f.scales(type);
                }
                case "saturating" -> f = f.saturating(true);
                case "nonsaturating" -> f = f.saturating(false);
                default -> throw in.error(w, "an option of " + f.name() + ": " + optionsOf(f));
            }
        }
        return f;
    }

    /** The canonical text of a format (what {@link Format#toString()} returns). */
    static String describe(Format f) {
        Format base = CANONICAL.get(f.name());
        StringBuilder s = new StringBuilder(f.name());
        Granularity g = f.granularity();
        if (!g.equals(base.granularity())) {
            String text = g.toString();
            if (!text.isEmpty()) {
                s.append(' ').append(text);
            }
        }
        if (!f.isSymmetric()) {
            s.append(" asymmetric");
        }
        if (!f.rounding().equals(base.rounding())) {
            s.append(' ').append(f.rounding());
        }
        if (!f.scaleRule().equals(base.scaleRule())) {
            s.append(' ').append(f.scaleRule());
        }
        if (f.scaleType() != base.scaleType() && !(g instanceof Granularity.Unscaled)) {
            s.append(" scales ").append(f.scaleType().label());
        }
        if (f.saturating() != base.saturating()) {
            s.append(f.saturating() ? " saturating" : " nonsaturating");
        }
        return s.toString();
    }

    /** The options a format accepts, in words (for error messages and help). */
    static String optionsOf(Format f) {
        if (GgmlFormats.is(f)) {
            return "axis N";
        }
        if (f.isBlockFormat()) {
            return "axis N, rne, stochastic [seed N]";
        }
        List<String> o = new ArrayList<>();
        o.add("per tensor");
        o.add("per channel [axis N]");
        o.add("group N [axis N]");
        boolean minifloat = f.element() instanceof Element.Float;
        if (minifloat) {
            o.add("unscaled");
        }
        if (f.element() instanceof Element.Int) {
            o.add("symmetric");
            o.add("asymmetric");
        }
        o.add("rne");
        o.add("stochastic [seed N]");
        o.add("absmax");
        o.add("mse [shrink X] [steps N]");
        o.add("percentile P");
        o.add("scales fp32|fp16|bf16");
        if (minifloat && ((Element.Float) f.element()).type().hasNaN()) {
            o.add("saturating");
            o.add("nonsaturating");
        }
        return String.join(", ", o);
    }

    /** Numbers in text form without a needless ".0". */
    static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** A cursor over the words of a format's text, with errors that point at the word. */
    private static final class Words {
        private final String text;
        private final String[] words;
        private int at = 1;

        Words(String text, String[] words) {
            this.text = text;
            this.words = words;
        }

        boolean more() {
            return at < words.length;
        }

        boolean peek(String w) {
            return at < words.length && words[at].equals(w);
        }

        String next() {
            return words[at++];
        }

        String next(String expected) {
            if (!more()) {
                throw new IllegalArgumentException("format '" + text.trim() + "': expected " + expected
                        + " after '" + words[at - 1] + "'");
            }
            return next();
        }

        int nextInt(String expected) {
            String w = next(expected);
            try {
                return Integer.parseInt(w);
            } catch (NumberFormatException e) {
                throw error(w, expected);
            }
        }

        long nextLong(String expected) {
            String w = next(expected);
            try {
                return Long.parseLong(w);
            } catch (NumberFormatException e) {
                throw error(w, expected);
            }
        }

        double nextDouble(String expected) {
            String w = next(expected);
            try {
                return Double.parseDouble(w);
            } catch (NumberFormatException e) {
                throw error(w, expected);
            }
        }

        IllegalArgumentException error(String word, String expected) {
            return new IllegalArgumentException("format '" + text.trim() + "': unexpected '" + word + "' (word "
                    + at + "); expected " + expected);
        }
    }
}
