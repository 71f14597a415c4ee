package io.precis.kernel.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One Jupyter message. JSON parts stay Jackson trees: the protocol is open-ended and a reply must echo the
 * request's header exactly as its parent. {@code problem} is null for a readable message; otherwise it says
 * why its parent header, metadata or content could not be read (those parts are then empty objects), so the
 * kernel can still answer the request, whose header is intact, with an error.
 */
public record Message(List<byte[]> identities, ObjectNode header, ObjectNode parentHeader,
                      ObjectNode metadata, ObjectNode content, List<byte[]> buffers, String problem) {

    public Message(List<byte[]> identities, ObjectNode header, ObjectNode parentHeader, ObjectNode metadata,
                   ObjectNode content, List<byte[]> buffers) {
        this(identities, header, parentHeader, metadata, content, buffers, null);
    }

    public String type() {
        return header.path("msg_type").asText("");
    }

    public String id() {
        return header.path("msg_id").asText("");
    }
}
