package io.precis.kernel.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.display.MimeBundle;
import org.junit.jupiter.api.Test;

class RenderersTest {

    interface Shape {}

    record Square(int side) implements Shape {}

    record Circle(int r) implements Shape {}

    @Test
    void theMostSpecificTypeWins() {
        Renderers.register(Shape.class, s -> MimeBundle.of("text/html", "<i>shape</i>"));
        Renderers.register(Square.class, s -> MimeBundle.of("text/html", "<b>square " + s.side() + "</b>"));
        assertEquals("<b>square 2</b>", Renderers.find(new Square(2)).data().get("text/html"));
        assertEquals("<i>shape</i>", Renderers.find(new Circle(1)).data().get("text/html"));
    }

    @Test
    void valuesWithoutARendererHaveNoRichForm() {
        assertNull(Renderers.find(new StringBuilder("x")));
        assertNull(Renderers.renderJson(new StringBuilder("x"), false));
        assertEquals("x", Renderers.bundle(new StringBuilder("x")).data().get("text/plain"));
    }

    @Test
    void jsonHasDataMetadataAndAPlainFallback() throws Exception {
        Renderers.register(Circle.class, c -> MimeBundle.of("image/svg+xml", "<svg/>").withMetadata("isolated", true));
        JsonNode n = new ObjectMapper().readTree(Renderers.renderJson(new Circle(3), false));
        assertEquals("<svg/>", n.at("/data/image~1svg+xml").asText());
        assertEquals("Circle[r=3]", n.at("/data/text~1plain").asText());
        assertTrue(n.at("/metadata/isolated").asBoolean());
    }

    @Test
    void plainTextLooksLikeJShell() {
        assertEquals("\"a\\\"b\"", Renderers.plainText("a\"b", true));
        assertEquals("a\"b", Renderers.plainText("a\"b", false));
        assertEquals("int[3] { 1, 2, 3 }", Renderers.plainText(new int[] {1, 2, 3}, true));
        assertEquals("null", Renderers.plainText(null, true));
    }

    @Test
    void imagesBecomePng() {
        var img = new java.awt.image.BufferedImage(3, 2, java.awt.image.BufferedImage.TYPE_INT_RGB);
        MimeBundle b = Renderers.find(img);
        assertTrue(((String) b.data().get("image/png")).startsWith("iVBOR"));
    }

    @Test
    void displayWithoutAKernelPrintsPlainText() {
        var out = new java.io.ByteArrayOutputStream();
        var old = System.out;
        System.setOut(new java.io.PrintStream(out, true));
        try {
            Display.display("<b>x</b>", "text/html");
            Display.display(new Square(5));
        } finally {
            System.setOut(old);
        }
        assertEquals("<text/html output>\nSquare[side=5]\n".replace("\n", System.lineSeparator()), out.toString());
    }
}
