package io.precis.magics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MagicRegistryTest {

    private final MagicRegistry registry = MagicRegistry.load(getClass().getClassLoader());

    @Test
    void builtinsAreFoundThroughServiceLoader() {
        assertEquals(List.of("classpath", "help", "lsmagic", "maven", "precis", "time"),
                registry.all().stream().map(Magic::name).toList());
    }

    @Test
    void unknownMagicsListTheKnownOnes() {
        var e = assertThrows(MagicException.class, () -> registry.require("tiem", false));
        assertEquals("unknown magic %tiem. Line magics: %classpath, %help, %lsmagic, %maven, %precis, %time. Cell magics: %%precis, %%time.", e.getMessage());
        var c = assertThrows(MagicException.class, () -> registry.require("maven", true));
        assertTrue(c.getMessage().startsWith("%maven is a line magic"));
    }

    @Test
    void completion() {
        assertEquals(List.of("lsmagic"), registry.complete("ls", false));
        assertEquals(List.of("precis", "time"), registry.complete("", true));
        assertEquals(List.of("classpath"), registry.complete("c", false));
    }
}
