package io.precis.kernel.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** The connection file Jupyter hands a kernel: where to bind and how to sign. */
public record ConnectionInfo(String transport, String ip, int shellPort, int iopubPort, int stdinPort,
                             int controlPort, int hbPort, String signatureScheme, String key) {

    public static ConnectionInfo read(Path file, ObjectMapper json) throws IOException {
        JsonNode n;
        try {
            n = json.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new IOException("connection file not found: " + file, e);
        }
        if (n == null || !n.isObject()) {
            throw new IOException("connection file is not a JSON object: " + file);
        }
        String scheme = n.path("signature_scheme").asText("hmac-sha256");
        if (!scheme.isEmpty() && !scheme.equals("hmac-sha256")) {
            throw new IOException("unsupported signature_scheme '" + scheme + "' in " + file + " (supported: hmac-sha256)");
        }
        return new ConnectionInfo(n.path("transport").asText("tcp"), n.path("ip").asText("127.0.0.1"),
                port(n, "shell_port", file), port(n, "iopub_port", file), port(n, "stdin_port", file),
                port(n, "control_port", file), port(n, "hb_port", file), scheme, n.path("key").asText(""));
    }

    private static int port(JsonNode n, String name, Path file) throws IOException {
        JsonNode p = n.get(name);
        if (p == null || !p.canConvertToInt()) {
            throw new IOException("connection file " + file + " has no integer '" + name + "'");
        }
        return p.asInt();
    }

    /** A ZeroMQ endpoint, e.g. {@code tcp://127.0.0.1:5555} or {@code ipc://path-1}. */
    public String endpoint(int port) {
        return "ipc".equals(transport) ? "ipc://" + ip + "-" + port : transport + "://" + ip + ":" + port;
    }
}
