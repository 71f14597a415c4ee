package io.precis.kernel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.display.MimeBundle;
import io.precis.kernel.Log;
import io.precis.kernel.wire.Channel;
import io.precis.kernel.wire.Message;
import io.precis.kernel.wire.MessageCodec;
import io.precis.kernel.wire.Transport;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.function.Function;

/**
 * The Jupyter messaging protocol over a {@link Transport}: every request gets a reply, wrapped in
 * busy/idle status messages. Shell requests run one at a time, in order, on the shell thread; control
 * requests (interrupt, shutdown) on their own thread so they are answered while a cell runs;
 * {@code kernel_info} is answered at once from any channel.
 */
public final class KernelServer implements Transport.Inbox {

    /** What the server needs to build the interpreter once its channels exist. */
    public interface InterpreterFactory extends Function<KernelServer, Interpreter> {}

    private final MessageCodec codec;
    private final Transport transport;
    private final Iopub iopub;
    private final Stdin stdin;
    private final Comms comms;
    private final HistoryStore history;
    private final String implementationVersion;
    private final LinkedBlockingDeque<Message> shellQueue = new LinkedBlockingDeque<>();
    private final ExecutorService control = Executors.newSingleThreadExecutor(r -> daemon(r, "precis-control"));
    private final Thread shellThread;
    private final Runnable onShutdown;
    private Interpreter interpreter;
    private volatile boolean shuttingDown;
    private int executionCount = 1;

    public KernelServer(MessageCodec codec, Transport transport, String kernelId, HistoryStore history,
                        String implementationVersion, Runnable onShutdown) {
        this.codec = codec;
        this.transport = transport;
        this.iopub = new Iopub(codec, transport, kernelId);
        this.stdin = new Stdin(codec, transport, iopub);
        this.comms = new Comms(iopub);
        this.history = history;
        this.implementationVersion = implementationVersion;
        this.onShutdown = onShutdown;
        this.shellThread = daemon(this::shellLoop, "precis-shell");
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public Iopub iopub() {
        return iopub;
    }

    public Stdin stdin() {
        return stdin;
    }

    public Comms comms() {
        return comms;
    }

    public int executionCount() {
        return executionCount;
    }

    /** Creates the interpreter and starts serving; the caller then runs the transport's IO loop. */
    public void start(InterpreterFactory factory) {
        this.interpreter = factory.apply(this);
        iopub.send("status", statusContent("starting"), codec.json().createObjectNode());
        shellThread.start();
    }

    // ---- IO thread ----------------------------------------------------------------------------------

    @Override
    public void received(Channel channel, List<byte[]> frames) {
        if (channel == Channel.IOPUB) {
            welcome(frames);
            return;
        }
        Message m;
        try {
            m = codec.decode(frames);
        } catch (MessageCodec.RejectedMessage e) {
            Log.warn("dropped a %s message: %s", channel.name().toLowerCase(java.util.Locale.ROOT), e.getMessage());
            return;
        }
        Log.debug("%s <- %s %s", channel, m.type(), m.id());
        String problem = RequestCheck.problem(m);
        if (problem != null && !m.type().endsWith("_request")) {
            // Nothing to answer (a reply, a comm message): say so in the log, once.
            Log.warn("ignored an unreadable %s %s: %s", channel.name().toLowerCase(java.util.Locale.ROOT), m.type(), problem);
            if (channel == Channel.STDIN && m.type().equals("input_reply")) {
                stdin.cancel(); // the waiting read sees end of input instead of waiting forever
            }
            return;
        }
        switch (channel) {
            case STDIN -> {
                if (m.type().equals("input_reply")) {
                    stdin.replied(m);
                }
            }
            case CONTROL -> {
                if (m.type().equals("interrupt_request") && problem == null) {
                    // Interrupt first, without waiting for the control thread.
                    interrupt();
                }
                control.execute(() -> handleControl(m));
            }
            case SHELL -> {
                if (m.type().equals("kernel_info_request") && problem == null) {
                    withStatus(m, Channel.SHELL, () -> reply(m, Channel.SHELL, "kernel_info_reply", kernelInfo()));
                } else {
                    shellQueue.add(m);
                }
            }
            default -> { }
        }
    }

    /** JEP 65: tell each new IOPub subscriber that it is connected, so it knows no early output was lost. */
    private void welcome(List<byte[]> frames) {
        byte[] f = frames.get(0);
        if (f.length == 0 || f[0] != 1) {
            return;
        }
        String topic = new String(f, 1, f.length - 1, java.nio.charset.StandardCharsets.UTF_8);
        ObjectNode c = codec.json().createObjectNode();
        c.put("subscription", topic);
        // The topic frame must start with the subscription, or XPUB would not deliver it to that subscriber.
        byte[] topicFrame = topic.isEmpty() ? "iopub_welcome".getBytes(java.nio.charset.StandardCharsets.UTF_8)
                : java.util.Arrays.copyOfRange(f, 1, f.length);
        transport.sendNow(Channel.IOPUB, codec.encode(List.of(topicFrame), codec.header("iopub_welcome"),
                codec.json().createObjectNode(), null, c, List.of()));
    }

    // ---- control thread -----------------------------------------------------------------------------

    private void handleControl(Message m) {
        withStatus(m, Channel.CONTROL, () -> {
            String problem = RequestCheck.problem(m);
            if (problem != null) {
                badRequest(m, Channel.CONTROL, problem);
                return;
            }
            switch (m.type()) {
                case "interrupt_request" -> reply(m, Channel.CONTROL, "interrupt_reply", ok());
                case "shutdown_request" -> shutdown(m, Channel.CONTROL);
                case "kernel_info_request" -> reply(m, Channel.CONTROL, "kernel_info_reply", kernelInfo());
                default -> unsupported(m, Channel.CONTROL);
            }
        });
    }

    /** Called from the control channel and from SIGINT. */
    public void interrupt() {
        Log.info("interrupt");
        stdin.cancel();
        Interpreter i = interpreter;
        if (i != null) {
            i.interrupt();
        }
    }

    // ---- shell thread -------------------------------------------------------------------------------

    private void shellLoop() {
        while (!shuttingDown) {
            Message m;
            try {
                m = shellQueue.take();
            } catch (InterruptedException e) {
                continue;
            }
            try {
                withStatus(m, Channel.SHELL, () -> {
                    String problem = RequestCheck.problem(m);
                    if (problem == null) {
                        handleShell(m);
                    } else {
                        badRequest(m, Channel.SHELL, problem);
                    }
                });
            } catch (RuntimeException e) {
                Log.warn("shell request %s failed: %s", m.type(), e);
            }
        }
    }

    private void handleShell(Message m) {
        ObjectNode c = m.content();
        switch (m.type()) {
            case "execute_request" -> execute(m);
            case "complete_request" -> complete(m);
            case "inspect_request" -> inspect(m);
            case "is_complete_request" -> {
                Interpreter.Completeness r = interpreter.isComplete(c.path("code").asText(""));
                ObjectNode rc = codec.json().createObjectNode();
                rc.put("status", r.status());
                if (r.status().equals("incomplete")) {
                    rc.put("indent", r.indent());
                }
                reply(m, Channel.SHELL, "is_complete_reply", rc);
            }
            case "history_request" -> reply(m, Channel.SHELL, "history_reply", history(c));
            case "comm_info_request" -> {
                ObjectNode rc = ok();
                rc.set("comms", comms.info(c.path("target_name").asText(null)));
                reply(m, Channel.SHELL, "comm_info_reply", rc);
            }
            case "comm_open" -> comms.opened(c);
            case "comm_msg" -> comms.message(c);
            case "comm_close" -> comms.closed(c);
            case "shutdown_request" -> shutdown(m, Channel.SHELL);
            default -> unsupported(m, Channel.SHELL);
        }
    }

    private void execute(Message m) {
        ObjectNode c = m.content();
        String code = c.path("code").asText("");
        boolean silent = c.path("silent").asBoolean(false);
        boolean storeHistory = !silent && c.path("store_history").asBoolean(true);
        boolean allowStdin = c.path("allow_stdin").asBoolean(true);
        boolean stopOnError = c.path("stop_on_error").asBoolean(true);
        int count = executionCount;

        iopub.setParent(m.header());
        stdin.setRequest(m, allowStdin);
        if (!silent) {
            ObjectNode in = codec.json().createObjectNode();
            in.put("code", code);
            in.put("execution_count", count);
            iopub.publish("execute_input", in);
        }

        ExecuteOutcome outcome;
        try {
            outcome = interpreter.execute(new Cell(code, silent, allowStdin, iopub, m.metadata().path("cellId").asText(null)));
        } catch (RuntimeException | Error e) {
            Log.warn("interpreter failed: %s", e);
            outcome = new ExecuteOutcome.Failed("KernelError", "the kernel failed while running this cell: " + e,
                    List.of("KernelError: " + e));
        }
        iopub.flush();

        ObjectNode result = null;
        if (outcome instanceof ExecuteOutcome.Ok ok && ok.result() != null && !silent) {
            try {
                result = codec.json().createObjectNode();
                result.put("execution_count", count);
                result.set("data", MimeJson.data(ok.result()));
                result.set("metadata", MimeJson.metadata(ok.result()));
            } catch (IllegalArgumentException e) {
                outcome = displayError(e);
            }
        }
        ObjectNode rc = codec.json().createObjectNode();
        String output = null;
        if (outcome instanceof ExecuteOutcome.Ok ok) {
            if (result != null) {
                iopub.publish("execute_result", result);
                output = ok.result().plainText();
            }
            rc.put("status", "ok");
            rc.put("execution_count", count);
            ArrayNode payload = rc.putArray("payload");
            for (ExecuteOutcome.Payload p : ok.payloads()) {
                ObjectNode page = payload.addObject();
                page.put("source", "page");
                page.set("data", MimeJson.data(p.page()));
                page.put("start", 0);
            }
            rc.set("user_expressions", userExpressions(c.path("user_expressions")));
        } else if (outcome instanceof ExecuteOutcome.Failed f) {
            ObjectNode e = codec.json().createObjectNode();
            e.put("ename", f.ename());
            e.put("evalue", f.evalue());
            ArrayNode tb = e.putArray("traceback");
            f.traceback().forEach(tb::add);
            iopub.publish("error", e);
            rc.put("status", "error");
            rc.put("execution_count", count);
            rc.put("ename", f.ename());
            rc.put("evalue", f.evalue());
            rc.set("traceback", tb.deepCopy());
        }
        if (storeHistory) {
            history.add(count, code, output);
            executionCount++;
        }
        reply(m, Channel.SHELL, "execute_reply", rc);
        if (outcome instanceof ExecuteOutcome.Failed && stopOnError) {
            abortQueuedExecutions();
        }
    }

    /** A result whose content cannot be written as JSON (a magic's bundle holding some object). */
    private static ExecuteOutcome.Failed displayError(IllegalArgumentException e) {
        return new ExecuteOutcome.Failed("DisplayError", e.getMessage(), List.of("DisplayError: " + e.getMessage()));
    }

    /** After an error, cells queued behind it (e.g. "Run all") are not run, as in IPython. */
    private void abortQueuedExecutions() {
        List<Message> keep = new ArrayList<>();
        List<Message> abort = new ArrayList<>();
        for (Iterator<Message> it = shellQueue.iterator(); it.hasNext(); ) {
            Message q = it.next();
            (q.type().equals("execute_request") ? abort : keep).add(q);
        }
        shellQueue.removeAll(abort);
        for (Message q : abort) {
            withStatus(q, Channel.SHELL, () -> {
                ObjectNode rc = codec.json().createObjectNode();
                rc.put("status", "aborted");
                rc.put("execution_count", executionCount);
                reply(q, Channel.SHELL, "execute_reply", rc);
            });
        }
    }

    private ObjectNode userExpressions(JsonNode expressions) {
        ObjectNode out = codec.json().createObjectNode();
        if (!expressions.isObject()) {
            return out;
        }
        for (Map.Entry<String, JsonNode> e : expressions.properties()) {
            ObjectNode r = out.putObject(e.getKey());
            ExecuteOutcome o = interpreter.execute(new Cell(e.getValue().asText(""), true, false, iopub, null));
            if (o instanceof ExecuteOutcome.Ok ok) {
                MimeBundle value = ok.result() == null ? MimeBundle.of(Map.of(), Map.of()) : ok.result();
                try {
                    ObjectNode data = MimeJson.data(value);
                    ObjectNode metadata = MimeJson.metadata(value);
                    r.put("status", "ok");
                    r.set("data", data);
                    r.set("metadata", metadata);
                } catch (IllegalArgumentException x) {
                    o = displayError(x);
                }
            }
            if (o instanceof ExecuteOutcome.Failed f) {
                r.put("status", "error");
                r.put("ename", f.ename());
                r.put("evalue", f.evalue());
                ArrayNode tb = r.putArray("traceback");
                f.traceback().forEach(tb::add);
            }
        }
        return out;
    }

    private void complete(Message m) {
        String code = m.content().path("code").asText("");
        int cursor = CodePoints.toUtf16(code, m.content().path("cursor_pos").asInt(code.codePointCount(0, code.length())));
        Interpreter.Completion r = interpreter.complete(code, cursor);
        ObjectNode rc = ok();
        ArrayNode matches = rc.putArray("matches");
        r.matches().forEach(matches::add);
        rc.put("cursor_start", CodePoints.fromUtf16(code, r.cursorStart()));
        rc.put("cursor_end", CodePoints.fromUtf16(code, r.cursorEnd()));
        ObjectNode md = rc.putObject("metadata");
        if (!r.items().isEmpty()) {
            ArrayNode types = md.putArray("_jupyter_types_experimental");
            for (Interpreter.CompletionItem item : r.items()) {
                ObjectNode t = types.addObject();
                t.put("start", CodePoints.fromUtf16(code, item.start()));
                t.put("end", CodePoints.fromUtf16(code, item.end()));
                t.put("text", item.text());
                t.put("type", item.type());
                if (item.signature() != null) {
                    t.put("signature", item.signature());
                }
            }
        }
        reply(m, Channel.SHELL, "complete_reply", rc);
    }

    private void inspect(Message m) {
        String code = m.content().path("code").asText("");
        int cursor = CodePoints.toUtf16(code, m.content().path("cursor_pos").asInt(code.codePointCount(0, code.length())));
        Interpreter.Inspection r = interpreter.inspect(code, cursor, m.content().path("detail_level").asInt(0));
        ObjectNode rc = ok();
        rc.put("found", r.found());
        ObjectNode data = rc.putObject("data");
        if (r.found()) {
            data.put("text/plain", r.plainText());
            if (!r.html().isEmpty()) {
                data.put("text/html", r.html());
            }
        }
        rc.putObject("metadata");
        reply(m, Channel.SHELL, "inspect_reply", rc);
    }

    private ObjectNode history(ObjectNode c) {
        long t0 = System.nanoTime();
        long cpu0 = HistoryStore.cpuNanos();
        boolean output = c.path("output").asBoolean(false);
        List<HistoryStore.Entry> entries = switch (c.path("hist_access_type").asText("tail")) {
            case "range" -> history.range(c.path("session").asInt(0), c.path("start").asInt(0), c.path("stop").asInt(0));
            case "search" -> history.search(c.path("pattern").asText("*"), c.path("n").asInt(0), c.path("unique").asBoolean(false));
            default -> history.tail(c.path("n").asInt(10));
        };
        ObjectNode rc = ok();
        ArrayNode h = rc.putArray("history");
        for (HistoryStore.Entry e : entries) {
            ArrayNode row = h.addArray();
            row.add(e.session());
            row.add(e.line());
            if (output) {
                ArrayNode io = row.addArray();
                io.add(e.input());
                if (e.output() == null) {
                    io.addNull();
                } else {
                    io.add(e.output());
                }
            } else {
                row.add(e.input());
            }
        }
        Log.debug("history %s: %d entries in %.1f ms (%.1f ms of CPU)", c.path("hist_access_type").asText("tail"), entries.size(),
                (System.nanoTime() - t0) / 1e6, (HistoryStore.cpuNanos() - cpu0) / 1e6);
        return rc;
    }

    // ---- shared -------------------------------------------------------------------------------------

    private void shutdown(Message m, Channel channel) {
        boolean restart = m.content().path("restart").asBoolean(false);
        ObjectNode rc = ok();
        rc.put("restart", restart);
        shuttingDown = true;
        try {
            interpreter.shutdown();
        } catch (RuntimeException e) {
            Log.warn("shutdown: %s", e);
        }
        reply(m, channel, "shutdown_reply", rc);
        iopub.shutdown();
        onShutdown.run();
    }

    private void unsupported(Message m, Channel channel) {
        String type = m.type();
        if (!type.endsWith("_request")) {
            Log.info("ignored %s message", type);
            return;
        }
        ObjectNode rc = codec.json().createObjectNode();
        rc.put("status", "error");
        rc.put("ename", "UnsupportedRequest");
        rc.put("evalue", "the Precis kernel does not handle " + type);
        rc.putArray("traceback");
        reply(m, channel, type.substring(0, type.length() - "_request".length()) + "_reply", rc);
    }

    /** The reply to a request whose content could not be read or has a field of the wrong type. */
    private void badRequest(Message m, Channel channel, String problem) {
        String type = m.type();
        Log.warn("%s %s answered with an error: %s", channel.name().toLowerCase(java.util.Locale.ROOT), type, problem);
        ObjectNode rc = codec.json().createObjectNode();
        rc.put("status", "error");
        rc.put("ename", "BadRequest");
        rc.put("evalue", "the kernel cannot read this " + type + ": " + problem);
        rc.putArray("traceback").add("BadRequest: the kernel cannot read this " + type + ": " + problem);
        if (type.equals("execute_request")) {
            rc.put("execution_count", executionCount);
        }
        reply(m, channel, type.substring(0, type.length() - "_request".length()) + "_reply", rc);
    }

    private void withStatus(Message m, Channel channel, Runnable body) {
        iopub.status("busy", m.header());
        try {
            body.run();
        } finally {
            iopub.status("idle", m.header());
        }
    }

    private void reply(Message request, Channel channel, String type, ObjectNode content) {
        transport.send(channel, codec.encode(request.identities(), codec.header(type), request.header(), null, content, List.of()));
    }

    private ObjectNode ok() {
        ObjectNode c = codec.json().createObjectNode();
        c.put("status", "ok");
        return c;
    }

    private ObjectNode statusContent(String state) {
        ObjectNode c = codec.json().createObjectNode();
        c.put("execution_state", state);
        return c;
    }

    private ObjectNode kernelInfo() {
        Interpreter.LanguageInfo li = interpreter.languageInfo();
        ObjectNode c = ok();
        c.put("protocol_version", MessageCodec.PROTOCOL_VERSION);
        c.put("implementation", "precis");
        c.put("implementation_version", implementationVersion);
        ObjectNode l = c.putObject("language_info");
        l.put("name", li.name());
        l.put("version", li.version());
        l.put("mimetype", li.mimetype());
        l.put("file_extension", li.fileExtension());
        l.put("codemirror_mode", li.codemirrorMode());
        l.put("pygments_lexer", li.pygmentsLexer());
        c.put("banner", li.banner());
        c.put("debugger", false);
        ArrayNode links = c.putArray("help_links");
        ObjectNode jdk = links.addObject();
        jdk.put("text", "Java " + Runtime.version().feature() + " API");
        jdk.put("url", "https://docs.oracle.com/en/java/javase/" + Runtime.version().feature() + "/docs/api/");
        return c;
    }
}
