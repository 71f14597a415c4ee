package io.precis.engine.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class FormatsTest {

    private static void rejected(Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) {
            assertTrue(ex.getMessage().contains(f), "message '" + ex.getMessage() + "' should mention '" + f + "'");
        }
    }

    @Test
    void everyCanonicalNameParsesToItself() {
        List<String> names = Formats.names();
        assertEquals(List.of("int2", "int3", "int4", "int5", "int6", "int7", "int8", "fp8_e4m3", "fp8_e5m2",
                "fp6_e3m2", "fp6_e2m3", "fp4_e2m1", "nf4", "mxfp8", "mxfp8_e5m2", "mxfp6", "mxfp6_e3m2", "mxfp4",
                "mxint8", "nvfp4", "bf16", "fp16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q2_k", "q3_k", "q4_k", "q5_k",
                "q6_k"), names);
        for (String n : names) {
            Format f = Formats.parse(n);
            assertEquals(n, f.name());
            assertEquals(n, f.toString());
            assertEquals(f, Formats.parse(n.toUpperCase()));
        }
        assertEquals("int2..int8, fp8_e4m3, fp8_e5m2, fp6_e3m2, fp6_e2m3, fp4_e2m1, nf4, mxfp8, mxfp8_e5m2, mxfp6, "
                + "mxfp6_e3m2, mxfp4, mxint8, nvfp4, bf16, fp16, q4_0, q4_1, q5_0, q5_1, q8_0, q2_k, q3_k, q4_k, q5_k, "
                + "q6_k", Formats.summary());
    }

    @Test
    void textFormRoundTrips() {
        List<Format> formats = List.of(
                Formats.int4().groups(128),
                Formats.int4().groups(128).asymmetric(),
                Formats.int3().perChannel(1).asymmetric().stochastic(7).mse(),
                Formats.int8().perTensor().percentile(99.9).scales(ScaleType.FP32),
                Formats.int6().groups(32).axis(0).scales(ScaleType.BF16),
                Formats.fp8e4m3().perChannel().saturating(false),
                Formats.fp8e5m2().unscaled(),
                Formats.fp4e2m1().groups(16).scaleRule(new ScaleRule.Mse(0.3, 30)),
                Formats.nf4().groups(128).stochastic(-3),
                Formats.mxfp4().axis(0),
                Formats.mxint8().stochastic(1),
                Formats.nvfp4(),
                Formats.bf16().saturating(true),
                Formats.fp16().perTensor());
        for (Format f : formats) {
            Format back = Formats.parse(f.toString());
            assertEquals(f, back, f.toString());
            assertEquals(f.toString(), back.toString());
            assertEquals(f.hashCode(), back.hashCode());
        }
        assertEquals("int4 group 128 asymmetric", Formats.int4().groups(128).asymmetric().toString());
        assertEquals("int3 per channel axis 1 asymmetric stochastic seed 7 mse",
                Formats.int3().perChannel(1).asymmetric().stochastic(7).mse().toString());
        assertEquals(Formats.int4().groups(128), Formats.parse("  INT4   group 128  symmetric rne absmax "));
    }

    @Test
    void bitsPerWeightCountScalesAndZeroPoints() {
        assertEquals(4.125, Formats.int4().groups(128).bitsPerWeight());
        assertEquals(4.15625, Formats.int4().groups(128).asymmetric().bitsPerWeight()); // + a 4-bit zero point
        assertEquals(4.25, Formats.int4().groups(128).scales(ScaleType.FP32).bitsPerWeight());
        assertEquals(4.25, Formats.mxfp4().bitsPerWeight());
        assertEquals(6.25, Formats.mxfp6().bitsPerWeight());
        assertEquals(8.25, Formats.mxfp8().bitsPerWeight());
        assertEquals(8.25, Formats.mxint8().bitsPerWeight());
        assertEquals(4.5, Formats.nvfp4().bitsPerWeight());
        assertEquals(4.5, Formats.nf4().bitsPerWeight());            // bitsandbytes: fp32 absmax per 64
        assertEquals(16.0, Formats.bf16().bitsPerWeight());
        // exact, shape-dependent
        assertEquals(4 + 16.0 / 4096, Formats.int4().bitsPerWeight(4096, 4096));     // per channel, fp16 scale
        assertEquals(8 + 32.0 / 100, Formats.fp8e4m3().bitsPerWeight(10, 10));       // one fp32 scale
        assertEquals(4 + (8.0 * 16 * 3 + 32) / (16 * 40), Formats.nvfp4().bitsPerWeight(16, 40)); // 3 blocks a row
        assertEquals(4 + 16.0 * 2 / 200, Formats.int4().groups(128).bitsPerWeight(1, 200)); // 128 + 72
        assertEquals(4.125, Formats.int4().groups(128).bitsPerWeight(4096, 4096));
        assertEquals(4.25, Formats.mxfp4().bitsPerWeight(64, 4096));
        assertEquals(16.0, Formats.fp16().bitsPerWeight(3, 3));
    }

    @Test
    void invalidCombinationsSayWhatIsAllowed() {
        rejected(() -> Formats.mxfp4().groups(64), "mxfp4 has fixed blocks of 32", "OCP MX", "axis N");
        rejected(() -> Formats.nvfp4().perChannel(), "blocks of 16", "UE4M3 scales");
        rejected(() -> Formats.intN(9), "int9", "2 to 8 bits");
        rejected(() -> Formats.intN(1), "2 to 8 bits");
        rejected(() -> Formats.fp8e4m3().asymmetric(), "zero point applies to int2..int8");
        rejected(() -> Formats.mxint8().asymmetric(), "zero point");
        rejected(() -> Formats.fp4e2m1().saturating(false), "always saturates");
        rejected(() -> Formats.mxfp8().saturating(false), "always saturates");
        rejected(() -> Formats.int4().unscaled(), "needs a scale");
        rejected(() -> Formats.mxfp4().mse(), "chooses its scales by its spec");
        rejected(() -> Formats.bf16().mse(), "unscaled", "per tensor");
        rejected(() -> Formats.mxfp4().scales(ScaleType.FP16), "e8m0", "fixed by its spec");
        rejected(() -> Formats.int4().scales(ScaleType.E8M0), "fp32, fp16 or bf16");
        rejected(() -> Formats.int4().perTensor().axis(1), "'axis' applies to per channel");
        rejected(() -> Formats.int4().groups(0), "group size must be >= 1");
        rejected(() -> Formats.int4().percentile(0), "percentile must be in (0, 100]");
        // against a shape
        rejected(() -> Formats.int4().groups(128).bitsPerWeight(10, 64), "group size 128 is larger than the "
                + "reduction axis", "64", "per channel");
        rejected(() -> Formats.int4().groups(8).axis(2).bitsPerWeight(10, 64), "axis 2 is out of range", "rank 2");
        rejected(() -> Formats.int4().perChannel(3).bitsPerWeight(10, 64), "out of range");
    }

    @Test
    void parseErrorsPointAtTheWordAndSuggest() {
        rejected(() -> Formats.parse("in4"), "unknown format 'in4'", "Did you mean int4?", "Formats: int2..int8");
        rejected(() -> Formats.parse("mxpf4"), "Did you mean mxfp4?");
        rejected(() -> Formats.parse("nvfp"), "Did you mean nvfp4?");
        rejected(() -> Formats.parse("int4 gruop 128"), "unexpected 'gruop' (word 2)", "group N");
        rejected(() -> Formats.parse("int4 group x"), "unexpected 'x'", "a group size");
        rejected(() -> Formats.parse("int4 group"), "expected a group size after 'group'");
        rejected(() -> Formats.parse(""), "empty format");
        rejected(() -> Formats.parse("mxfp4 group 32"), "fixed blocks");
        assertEquals(Optional.of("fp8_e4m3"), Formats.suggest("fp8_e4m2"));
        assertEquals(Optional.empty(), Formats.suggest("banana"));
        assertEquals(Formats.fp8e4m3(), Formats.parse("fp8"));
        assertEquals(Formats.mxfp8(), Formats.parse("mxfp8_e4m3"));
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        assertEquals(new Granularity.PerChannel(0), Formats.int8().granularity());
        assertTrue(Formats.int8().isSymmetric());
        assertEquals(ScaleType.FP16, Formats.int8().scaleType());
        assertEquals(new Granularity.PerTensor(), Formats.fp8e4m3().granularity());
        assertTrue(Formats.fp8e4m3().saturating());
        assertFalse(Formats.fp16().saturating());
        assertEquals(new Granularity.Groups(64, Granularity.ROWS), Formats.nf4().granularity());
        assertEquals(new Granularity.Blocks(32, Granularity.ROWS, ScaleType.E8M0, false), Formats.mxfp4().granularity());
        assertTrue(Formats.mxfp4().isMx() && !Formats.mxfp4().isNvfp4());
        assertTrue(Formats.nvfp4().isNvfp4() && Formats.nvfp4().isBlockFormat());
        assertEquals(new Element.Float(MiniFloat.E2M3), Formats.mxfp6().element());
        assertEquals(new Element.Int(8), Formats.mxint8().element());
        assertEquals(16, Formats.nf4().element() instanceof Element.Table t ? t.levels().length : 0);
    }

    @Test
    void nf4LevelsAreBitsandbytesPublishedTableBitForBit() throws java.io.IOException {
        List<String> rows;
        try (var in = FormatsTest.class.getResourceAsStream("nf4-levels.csv")) {
            rows = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().skip(1).toList();
        }
        assertEquals(16, rows.size());
        assertEquals(16, Formats.NF4_LEVELS.length);
        for (String row : rows) {
            String[] c = row.split(",");
            int code = Integer.parseInt(c[0]);
            double published = Double.parseDouble(c[1]);
            double recipe = Double.parseDouble(c[2]);
            // the typed copy is the normal-quantile recipe (guards it against typos) ...
            assertEquals(recipe, published, 2e-7, "level " + code + " is not QLoRA's quantile");
            // ... and the engine's table is that copy exactly, as float32 (bitsandbytes stores float32)
            assertEquals(Float.floatToIntBits((float) published), Float.floatToIntBits(Formats.NF4_LEVELS[code]),
                    "level " + code + ": engine " + Formats.NF4_LEVELS[code] + ", bitsandbytes " + published);
        }
    }
}
