package io.precis.kernel.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One Jupyter message. JSON parts stay Jackson trees: the protocol is open-ended and a reply must echo the
 * request's header exactly as its parent.
 */
public record Message(List<byte[]> identities, ObjectNode header, ObjectNode parentHeader,
                      ObjectNode metadata, ObjectNode content, List<byte[]> buffers) {

    public String type() {
        return header.path("msg_type").asText("");
    }

    public String id() {
        return header.path("msg_id").asText("");
    }
}
