package io.precis.kernel.protocol;

import io.precis.display.MimeBundle;
import java.util.List;

/** How a cell ended: with an optional result to show, or with an error. */
public sealed interface ExecuteOutcome {

    /** {@code result} may be null (nothing to show); {@code payloads} e.g. a pager page. */
    record Ok(MimeBundle result, List<Payload> payloads) implements ExecuteOutcome {
        public Ok {
            payloads = List.copyOf(payloads);
        }

        public static Ok nothing() {
            return new Ok(null, List.of());
        }

        public static Ok of(MimeBundle result) {
            return new Ok(result, List.of());
        }
    }

    /** An error as Jupyter shows it; {@code traceback} lines may carry ANSI colours. */
    record Failed(String ename, String evalue, List<String> traceback) implements ExecuteOutcome {
        public Failed {
            traceback = List.copyOf(traceback);
        }
    }

    /** Text for the pager (IPython's {@code obj?}): shown beside the notebook, not in it. */
    record Payload(MimeBundle page) {}
}
