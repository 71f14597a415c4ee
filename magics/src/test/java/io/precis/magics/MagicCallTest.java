package io.precis.magics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MagicCallTest {

    @Test
    void lineMagics() {
        MagicCall c = MagicCall.parseLine("  %time   1 + 1  ").orElseThrow();
        assertEquals("time", c.name());
        assertEquals("1 + 1", c.args());
        assertFalse(c.isCell());
        assertEquals("", MagicCall.parseLine("%lsmagic").orElseThrow().args());
        assertTrue(MagicCall.parseLine("% 3").isEmpty());
        assertTrue(MagicCall.parseLine("int x = 10 % 3;").isEmpty());
        assertTrue(MagicCall.parseLine("%%time").isEmpty());
    }

    @Test
    void cellMagicsTakeTheRestOfTheCell() {
        MagicCall c = MagicCall.parseCell("\n%%time  -v\nint a = 1;\na + 1").orElseThrow();
        assertEquals("time", c.name());
        assertEquals("-v", c.args());
        assertEquals("int a = 1;\na + 1", c.body());
        assertEquals("", MagicCall.parseCell("%%time").orElseThrow().body());
        assertTrue(MagicCall.parseCell("int a;\n%%time").isEmpty());
    }

    @Test
    void argumentsSplitLikeAShell() throws MagicException {
        assertEquals(List.of("add", "/tmp/my dir/x.jar", "it's", "a\"b", "c d"),
                MagicCall.split("add \"/tmp/my dir/x.jar\" it\\'s 'a\"b' c\\ d"));
        assertEquals(List.of(), MagicCall.split("   "));
        var e = assertThrows(MagicException.class, () -> MagicCall.split("add \"unterminated"));
        assertTrue(e.getMessage().contains("column 5"), e.getMessage());
    }
}
