package io.precis.kernel.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.display.MimeBundle;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MimeJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void dataAndMetadataAreJupytersObjects() throws Exception {
        MimeBundle b = MimeBundle.of("image/png", "iVBOR").with("text/plain", "BufferedImage 2x3")
                .withMetadata("image/png", Map.of("width", 2));
        ObjectNode data = MimeJson.data(b);
        assertEquals(JSON.readTree("{\"image/png\":\"iVBOR\",\"text/plain\":\"BufferedImage 2x3\"}"), data);
        assertEquals(List.of("image/png", "text/plain"), data.properties().stream().map(Map.Entry::getKey).toList());
        assertEquals(JSON.readTree("{\"image/png\":{\"width\":2}}"), MimeJson.metadata(b));
    }

    @Test
    void aValueCrossesFromTheExecutionJvmAndComesBackTheSame() throws Exception {
        Map<String, Object> plotly = Map.of("data", List.of(Map.of("x", List.of(1, 2), "y", List.of(0.1, 2.5e-7))),
                "layout", Map.of("title", "loss"));
        MimeBundle sent = MimeBundle.of("application/vnd.plotly.v1+json", plotly).with("text/plain", "Figure")
                .withMetadata("isolated", true);
        String text = MimeJson.write(sent);
        MimeBundle back = MimeJson.read(text);
        assertEquals(sent.data(), back.data());
        assertEquals(sent.metadata(), back.metadata());
        assertEquals("Figure", back.plainText());
        assertEquals(JSON.readTree(text).get("data"), MimeJson.data(back));
    }

    @Test
    void contentThatIsNotJsonIsAClearError() {
        MimeBundle b = MimeBundle.of("application/json", new Object());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MimeJson.data(b));
        assertTrue(e.getMessage().startsWith("a display's content is not JSON-serializable"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MimeJson.write(b));
        assertThrows(IllegalArgumentException.class, () -> MimeJson.read("{\"data\":[1]}"));
    }
}
