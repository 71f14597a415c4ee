package io.precis.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MimeBundleTest {

    @Test
    void keepsTheOrderAddedAndReplacesAType() {
        MimeBundle b = MimeBundle.of("text/html", "<b>a</b>").with("text/plain", "a").with("text/html", "<i>a</i>");
        assertEquals(List.of("text/html", "text/plain"), List.copyOf(b.data().keySet()));
        assertEquals("<i>a</i>", b.data().get("text/html"));
        assertEquals("a", b.plainText());
        assertEquals("a", b.toString());
    }

    @Test
    void plainTextIsEmptyWithoutTextPlain() {
        MimeBundle b = MimeBundle.of("image/png", "iVBOR").withMetadata("image/png", Map.of("width", 10));
        assertEquals("", b.plainText());
        assertEquals("MimeBundle[image/png]", b.toString());
        assertEquals(Map.of("width", 10), b.metadata().get("image/png"));
    }

    @Test
    void copiesMapsAndIsReadOnlyThroughItsViews() {
        Map<String, Object> data = new HashMap<>(Map.of("text/plain", "x"));
        MimeBundle b = MimeBundle.of(data, Map.of("isolated", true));
        data.put("text/html", "<p>x</p>");
        assertEquals(Map.of("text/plain", "x"), b.data());
        assertEquals(Map.of("isolated", true), b.metadata());
        assertThrows(UnsupportedOperationException.class, () -> b.data().put("text/html", "y"));
    }
}
