package io.precis.engine.figure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The figure model: Plotly's schema, PNGs that show something, text and HTML tables. */
public class FigureTest {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Parses the PNG and counts pixels that are not white: a chart draws many. */
    public static int inkedPixels(byte[] png, int width, int height) throws Exception {
        assertTrue(png.length > 1000, "PNG of " + png.length + " bytes");
        assertEquals(0x89, png[0] & 0xff);
        assertEquals('P', png[1]);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(width, img.getWidth());
        assertEquals(height, img.getHeight());
        int inked = 0;
        for (int y = 0; y < height; y += 2)
            for (int x = 0; x < width; x += 2)
                if ((img.getRGB(x, y) & 0xffffff) != 0xffffff) inked++;
        return inked;
    }

    @Test
    void scatterWithLogAxisAnnotationAndGapsIsPlotlySchema() throws Exception {
        Figure f = Figure.builder("Precision vs loss")
                .x(Axis.linear("bits")).y(Axis.log("Δloss"))
                .add(Trace.linesAndMarkers("all", List.of(4.0, 6.0, 8.0), List.of(0.1, 0.01, Double.NaN)).labels(List.of("int4", "int6", "int8"))
                        .hover(List.of("a", "b", "c")))
                .add(Trace.markers("chosen", List.of(5.0), List.of(0.05)).symbol("star").size(14).color("#d62728"))
                .annotate(new Annotation(5.0, 0.05, "chosen", true))
                .verticalLines(List.of(1.0, 2.0), "#ff7f0e")
                .summary("two traces").build();
        JsonNode n = JSON.readTree(f.toPlotlyJson());
        assertEquals(2, n.get("data").size());
        JsonNode t0 = n.get("data").get(0);
        assertEquals("scatter", t0.get("type").asText());
        assertEquals("lines+markers+text", t0.get("mode").asText());
        assertTrue(t0.get("y").get(2).isNull(), "NaN becomes null");
        assertEquals("text", t0.get("hoverinfo").asText());
        assertEquals("star", n.get("data").get(1).get("marker").get("symbol").asText());
        assertEquals("log", n.get("layout").get("yaxis").get("type").asText());
        assertEquals("linear", n.get("layout").get("xaxis").get("type").asText());
        assertEquals("Δloss", n.get("layout").get("yaxis").get("title").get("text").asText());
        assertEquals("Precision vs loss", n.get("layout").get("title").get("text").asText());
        // Plotly reads annotation coordinates on a log axis as log10
        assertEquals(Math.log10(0.05), n.get("layout").get("annotations").get(0).get("y").asDouble(), 1e-12);
        assertEquals("line", n.get("layout").get("shapes").get(1).get("type").asText());
        assertTrue(inkedPixels(f.toPng(640, 400), 640, 400) > 2000);
        assertTrue(f.describe().contains("two traces") && f.describe().contains("(log)"), f.describe());
    }

    @Test
    void barsOverCategoriesColouredPerTraceAndNumericHistogramBars() throws Exception {
        Figure bars = Figure.builder("Sensitivity").x(Axis.linear("layer")).y(Axis.log("KL"))
                .add(Trace.bars("linear", List.of("a.q", "a.k"), List.of(0.5, 0.01)).color(Palette.forKind("linear")))
                .add(Trace.bars("head", List.of("head"), List.of(0.2)).color(Palette.forKind("head")))
                .annotate(new Annotation("a.q", 0.5, "most", true)).build();
        JsonNode n = JSON.readTree(bars.toPlotlyJson());
        assertEquals("bar", n.get("data").get(0).get("type").asText());
        assertEquals("category", n.get("layout").get("xaxis").get("type").asText());
        assertEquals("log", n.get("layout").get("yaxis").get("type").asText());
        assertEquals("#d62728", n.get("data").get(1).get("marker").get("color").asText());
        assertTrue(inkedPixels(bars.toPng(500, 400), 500, 400) > 1000);

        Figure hist = Figure.builder("Weights").x(Axis.linear("w")).y(Axis.log("count"))
                .add(Trace.bars("w", List.of(-0.5, 0.0, 0.5), List.of(3.0, 10.0, 0.0), 0.5)).verticalLines(List.of(-0.25, 0.25), "#ff7f0e").build();
        JsonNode h = JSON.readTree(hist.toPlotlyJson());
        assertEquals(0.5, h.get("data").get(0).get("width").asDouble());
        assertEquals("linear", h.get("layout").get("xaxis").get("type").asText());
        assertTrue(inkedPixels(hist.toPng(300, 200), 300, 200) > 500);
    }

    @Test
    void badFiguresAreRefusedWithTheReason() {
        assertThrows(IllegalArgumentException.class, () -> Trace.lines("x", List.of(1, 2), List.of(1.0)));
        assertThrows(IllegalStateException.class, () -> Figure.builder("empty").build());
        Figure f = Figure.builder("t").add(Trace.lines("x", List.of(1, 2), List.of(1.0, 2.0))).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.toPng(10, 10));
        assertTrue(e.getMessage().contains("10x10"), e.getMessage());
    }

    @Test
    void htmlTablesEscapeEverythingAndTextTablesAlign() {
        String html = Html.table("a <b> & \"c\"", List.of("name", "value"), List.of(List.of("<script>alert('x')</script>", "1.5")), Set.of(1), "n&b");
        assertFalse(html.contains("<script>"), html);
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), html);
        assertTrue(html.contains("a &lt;b&gt; &amp; &quot;c&quot;"), html);
        assertTrue(html.contains("n&amp;b"));
        String text = TextTable.render(List.of("layer", "v"), List.of(List.of("fc1", "1.5"), List.of("head", "10.25")), Set.of(1));
        String[] lines = text.split("\n");
        assertEquals(4, lines.length);
        assertEquals(lines[2].length(), lines[3].length(), text);
        assertTrue(lines[2].endsWith("  1.5"), text);
    }
}
