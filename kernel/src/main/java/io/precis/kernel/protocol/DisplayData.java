package io.precis.kernel.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Data and metadata of one rich output, already in Jupyter's JSON shape. */
public record DisplayData(ObjectNode data, ObjectNode metadata) {

    public String plainText() {
        return data.path("text/plain").asText("");
    }
}
