package io.precis.kernel.protocol;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.kernel.wire.Message;
import io.precis.kernel.wire.MessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Jazzer fuzz target for what the kernel does with the frames of a message before any handler runs:
 * {@link MessageCodec#decode} then {@link RequestCheck#problem}. Any frames give a message, with or
 * without a problem named, or a rejection; never another exception, and a message with a problem carries
 * an empty content and a header with a msg_id and a msg_type to answer to.
 * <ul>
 *   <li>In a plain build it replays its seeds, src/test/resources/io/precis/kernel/protocol/WireDecoderFuzzTestInputs/.</li>
 *   <li>{@code JAZZER_FUZZ=1 ./mvnw -B -ntp -pl kernel test -Dtest=WireDecoderFuzzTest} fuzzes, coverage-guided,
 *       for the fixed time below; a finding is written next to the seeds and fails the build.</li>
 * </ul>
 * Input layout (so seeds can be written by hand): byte 0 holds flags, the rest is frames separated by 0x1E.
 * Flag 1: sign the message correctly (else the signature frame is used as given). Flag 2: the frames are the
 * parent header, metadata, content and buffers of a request whose header is well formed, its type chosen by
 * bits 2-4 (else the frames are the whole message, identities and delimiter included).
 */
class WireDecoderFuzzTest {

    private static final String KEY = "fuzz-key";
    private static final byte[] DELIMITER = "<IDS|MSG>".getBytes(StandardCharsets.US_ASCII);
    private static final String[] TYPES = {"execute_request", "complete_request", "inspect_request", "is_complete_request",
        "history_request", "shutdown_request", "input_reply", "comm_msg"};
    private static final MessageCodec CODEC = new MessageCodec(new ObjectMapper(), KEY, "kernel");
    private static long counter;

    @FuzzTest(maxDuration = "30s")
    @DictionaryFile(resourcePath = "wire.dict")
    void decodesAnyFramesIntoAMessageOrARejection(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        int flags = input[0] & 0xff;
        List<byte[]> parts = split(Arrays.copyOfRange(input, 1, input.length));
        List<byte[]> frames = new ArrayList<>();
        if ((flags & 2) != 0) {
            String type = TYPES[(flags >> 2) % TYPES.length];
            // A new msg_id each time: the same frames twice would be (rightly) refused as a replay.
            byte[] header = ("{\"msg_id\":\"f" + (counter++) + "\",\"msg_type\":\"" + type + "\",\"session\":\"s\",\"version\":\"5.3\"}")
                    .getBytes(StandardCharsets.UTF_8);
            frames.add("peer".getBytes(StandardCharsets.UTF_8));
            frames.add(DELIMITER);
            frames.add(new byte[0]);
            frames.add(header);
            for (int i = 0; i < 3; i++) {
                frames.add(i < parts.size() ? parts.get(i) : "{}".getBytes(StandardCharsets.UTF_8));
            }
            frames.addAll(parts.subList(Math.min(3, parts.size()), parts.size()));
        } else {
            frames.addAll(parts);
        }
        if ((flags & 1) != 0) {
            sign(frames);
        }
        Message m;
        try {
            m = CODEC.decode(frames);
        } catch (MessageCodec.RejectedMessage e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("a rejection without a reason");
            }
            return;
        }
        if (m.header() == null || m.content() == null || m.parentHeader() == null || m.metadata() == null) {
            throw new AssertionError("a message with a missing part");
        }
        if (m.problem() != null && (!m.content().isEmpty() || !m.header().path("msg_id").isTextual()
                || !m.header().path("msg_type").isTextual())) {
            throw new AssertionError("a problem message must have an empty content and a header to answer: " + m.problem());
        }
        String problem = RequestCheck.problem(m);
        if (problem != null && problem.isBlank()) {
            throw new AssertionError("a problem without a description");
        }
    }

    private static List<byte[]> split(byte[] b) {
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= b.length; i++) {
            if (i == b.length || b[i] == 0x1E) {
                out.add(Arrays.copyOfRange(b, from, i));
                from = i + 1;
            }
        }
        return out;
    }

    /** Puts the right signature after the delimiter, when there are the four JSON parts to sign. */
    private static void sign(List<byte[]> frames) throws Exception {
        for (int d = 0; d < frames.size(); d++) {
            if (Arrays.equals(frames.get(d), DELIMITER)) {
                if (frames.size() >= d + 6) {
                    Mac mac = Mac.getInstance("HmacSHA256");
                    mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                    for (int i = d + 2; i < d + 6; i++) {
                        mac.update(frames.get(i));
                    }
                    frames.set(d + 1, HexFormat.of().formatHex(mac.doFinal()).getBytes(StandardCharsets.US_ASCII));
                }
                return;
            }
        }
    }
}
