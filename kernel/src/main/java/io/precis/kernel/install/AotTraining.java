package io.precis.kernel.install;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.kernel.KernelMain;
import io.precis.kernel.Log;
import io.precis.kernel.wire.Message;
import io.precis.kernel.wire.MessageCodec;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A scripted session the kernel runs against itself while the JVM records an ahead-of-time cache
 * ({@code -XX:AOTCacheOutput}, JDK 25+): loaded classes and method profiles of the protocol, JShell and
 * javac, so later kernels answer sooner and compile cells at full speed from the first ones.
 */
public final class AotTraining {

    private static final String[] CELLS = {
        "1 + 1", "int x = 21;", "x * 2", "String s = \"precis\";\ns.toUpperCase()",
        "double mean(double... v) { return java.util.Arrays.stream(v).average().orElse(0); }", "mean(1, 2, 3)",
        "var list = new ArrayList<Integer>();\nfor (int i = 0; i < 10; i++) list.add(i * i);\nlist",
        "list.stream().mapToInt(Integer::intValue).sum()", "System.out.println(\"hello\");",
        "record P(int a, int b) { int sum() { return a + b; } }", "new P(1, 2).sum()",
        "display(\"<b>x</b>\", \"text/html\");", "int y = undefined;", "Integer.parseInt(\"nope\")",
        "%lsmagic", "%time 3 * 4",
    };

    private AotTraining() {}

    public static int run(int rounds) throws Exception {
        ObjectMapper json = new ObjectMapper();
        String key = UUID.randomUUID().toString();
        int[] ports = freePorts(5);
        Path conn = Files.createTempFile("precis-train-", ".json");
        ObjectNode c = json.createObjectNode();
        c.put("transport", "tcp").put("ip", "127.0.0.1").put("signature_scheme", "hmac-sha256").put("key", key);
        c.put("shell_port", ports[0]).put("iopub_port", ports[1]).put("stdin_port", ports[2]).put("control_port", ports[3]).put("hb_port", ports[4]);
        Files.write(conn, json.writeValueAsBytes(c));
        Thread kernel = new Thread(() -> {
            try {
                KernelMain.run(conn, List.of());
            } catch (IOException e) {
                Log.warn("training kernel failed: %s", e);
            }
        }, "precis-training-kernel");
        kernel.start();
        MessageCodec codec = new MessageCodec(json, key, "training");
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket shell = ctx.createSocket(SocketType.DEALER);
            shell.connect("tcp://127.0.0.1:" + ports[0]);
            ZMQ.Socket control = ctx.createSocket(SocketType.DEALER);
            control.connect("tcp://127.0.0.1:" + ports[3]);
            request(codec, shell, "kernel_info_request", json.createObjectNode(), 60_000);
            for (int r = 0; r < rounds; r++) {
                for (String code : CELLS) {
                    ObjectNode ex = json.createObjectNode().put("code", code).put("silent", false).put("store_history", false)
                            .put("allow_stdin", false).put("stop_on_error", false);
                    ex.putObject("user_expressions");
                    request(codec, shell, "execute_request", ex, 120_000);
                }
                request(codec, shell, "complete_request", json.createObjectNode().put("code", "Strin").put("cursor_pos", 5), 30_000);
                request(codec, shell, "inspect_request", json.createObjectNode().put("code", "Math.max").put("cursor_pos", 8).put("detail_level", 0), 30_000);
                request(codec, shell, "is_complete_request", json.createObjectNode().put("code", "for (;;) {"), 30_000);
            }
            request(codec, control, "shutdown_request", json.createObjectNode().put("restart", false), 30_000);
        } finally {
            kernel.join(30_000);
            Files.deleteIfExists(conn);
        }
        return 0;
    }

    private static Message request(MessageCodec codec, ZMQ.Socket socket, String type, ObjectNode content, int timeoutMs) throws Exception {
        ObjectNode header = codec.header(type);
        List<byte[]> frames = codec.encode(List.of(), header, codec.json().createObjectNode(), null, content, List.of());
        for (int i = 0; i < frames.size(); i++) {
            socket.send(frames.get(i), i < frames.size() - 1 ? ZMQ.SNDMORE : 0);
        }
        socket.setReceiveTimeOut(timeoutMs);
        while (true) {
            byte[] first = socket.recv(0);
            if (first == null) {
                throw new IOException("training: no reply to " + type + " within " + timeoutMs / 1000 + " s");
            }
            List<byte[]> reply = new ArrayList<>();
            reply.add(first);
            while (socket.hasReceiveMore()) {
                reply.add(socket.recv(0));
            }
            Message m = codec.decode(reply);
            if (m.parentHeader().path("msg_id").asText().equals(header.get("msg_id").asText())) {
                return m;
            }
        }
    }

    private static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return ports;
    }
}
