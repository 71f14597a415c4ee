package io.precis.dsl.diagnostic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SuggestTest {

    private static final List<String> FORMATS = List.of("int2", "int3", "int4", "int8", "fp8_e4m3", "fp8_e5m2",
            "fp4_e2m1", "nf4", "mxfp8", "mxfp6", "mxfp4", "mxint8", "nvfp4", "bf16", "fp16");

    @Test
    void distanceCountsInsertionsDeletionsSubstitutionsAndSwaps() {
        assertEquals(0, Suggest.distance("int4", "INT4"));
        assertEquals(1, Suggest.distance("in4", "int4"));
        assertEquals(1, Suggest.distance("quantise", "quantize"));
        assertEquals(1, Suggest.distance("tnesor", "tensor"), "a swap is one edit");
        assertEquals(2, Suggest.distance("abc", "bax"));
        assertEquals(3, Suggest.distance("", "abc"));
        assertEquals(3, Suggest.distance("kitten", "sitting"));
    }

    @Test
    void closestFindsLikelyTyposOnly() {
        assertEquals(Optional.of("int4"), Suggest.closest("in4", FORMATS));
        assertEquals(Optional.of("fp8_e4m3"), Suggest.closest("fp8e4m3", FORMATS));
        assertEquals(Optional.of("mxfp4"), Suggest.closest("mxpf4", FORMATS));
        assertEquals(Optional.empty(), Suggest.closest("float", FORMATS));
        assertEquals(Optional.empty(), Suggest.closest("x", List.of("quantize")));
        assertEquals(Optional.of("int8"), Suggest.closest("INT8", FORMATS), "case is ignored");
    }

    @Test
    void tiesGoToTheEarlierCandidateAndLimitsGrowWithLength() {
        assertEquals(Optional.of("int2"), Suggest.closest("int", FORMATS));
        assertEquals(1, Suggest.defaultLimit("abcd"));
        assertEquals(2, Suggest.defaultLimit("abcdefgh"));
        assertEquals(3, Suggest.defaultLimit("sensitivty-x"));
        assertEquals(Optional.of("encoder.layer.0.attention.self.query"),
                Suggest.closest("encoder.layer.0.atention.self.qury",
                        List.of("encoder.layer.0.attention.self.key", "encoder.layer.0.attention.self.query")));
        assertEquals(Optional.empty(), Suggest.closest("anything", List.of()));
    }
}
