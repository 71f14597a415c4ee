package io.precis.kernel.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.kernel.Log;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Jupyter comms: targets the kernel side offers, and the comms open now. A comm_open for a target nobody
 * offers is answered with comm_close, as ipykernel does, so the frontend never waits on a dead comm.
 */
public final class Comms {

    /** A kernel-side comm endpoint. */
    public interface Target {
        /** A comm to this target was opened; return the handler for its messages. */
        Handler opened(String commId, ObjectNode data, Comms comms);
    }

    public interface Handler {
        void message(String commId, ObjectNode data, Comms comms);

        default void closed(String commId, ObjectNode data) {}
    }

    private record Open(String targetName, Handler handler) {}

    private final Iopub iopub;
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final Map<String, Open> open = new ConcurrentHashMap<>();

    public Comms(Iopub iopub) {
        this.iopub = iopub;
    }

    public void register(String targetName, Target target) {
        targets.put(targetName, target);
    }

    void opened(ObjectNode content) {
        String id = content.path("comm_id").asText();
        String target = content.path("target_name").asText();
        Target t = targets.get(target);
        ObjectNode data = content.path("data").isObject() ? (ObjectNode) content.get("data") : iopub.newObject();
        if (t == null) {
            Log.info("comm_open for unknown target '%s': closing it", target);
            ObjectNode c = iopub.newObject();
            c.put("comm_id", id);
            c.putObject("data");
            iopub.publish("comm_close", c);
            return;
        }
        open.put(id, new Open(target, t.opened(id, data, this)));
    }

    void message(ObjectNode content) {
        String id = content.path("comm_id").asText();
        Open o = open.get(id);
        if (o == null) {
            Log.info("comm_msg for unknown comm %s", id);
            return;
        }
        ObjectNode data = content.path("data").isObject() ? (ObjectNode) content.get("data") : iopub.newObject();
        o.handler().message(id, data, this);
    }

    void closed(ObjectNode content) {
        String id = content.path("comm_id").asText();
        Open o = open.remove(id);
        if (o != null) {
            ObjectNode data = content.path("data").isObject() ? (ObjectNode) content.get("data") : iopub.newObject();
            o.handler().closed(id, data);
        }
    }

    /** Sends data to the frontend side of a comm. */
    public void send(String commId, ObjectNode data) {
        ObjectNode c = iopub.newObject();
        c.put("comm_id", commId);
        c.set("data", data);
        iopub.publish("comm_msg", c);
    }

    /** {@code comm_info_reply.comms}: the open comms, optionally of one target. */
    ObjectNode info(String targetName) {
        ObjectNode comms = iopub.newObject();
        open.forEach((id, o) -> {
            if (targetName == null || targetName.isEmpty() || targetName.equals(o.targetName())) {
                comms.putObject(id).put("target_name", o.targetName());
            }
        });
        return comms;
    }
}
