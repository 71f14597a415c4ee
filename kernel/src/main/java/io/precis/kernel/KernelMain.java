package io.precis.kernel;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.kernel.cells.CellRouter;
import io.precis.kernel.cells.DisplaySink;
import io.precis.kernel.cells.StreamSink;
import io.precis.kernel.exec.CrashLogs;
import io.precis.kernel.exec.ExecutionJvm;
import io.precis.kernel.java.JavaCells;
import io.precis.kernel.protocol.HistoryStore;
import io.precis.kernel.protocol.Iopub;
import io.precis.kernel.protocol.KernelServer;
import io.precis.kernel.wire.ConnectionInfo;
import io.precis.kernel.wire.MessageCodec;
import io.precis.kernel.wire.Transport;
import io.precis.magics.MagicRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Wires a kernel together for one connection file and runs it until shutdown or the parent's death. */
public final class KernelMain {

    private KernelMain() {}

    public static int run(Path connectionFile, List<String> extraExecOptions) throws IOException {
        CrashLogs.ensureOwnFolder();
        io.precis.kernel.install.KernelSpec.warnIfStartupCacheStale();
        ObjectMapper json = new ObjectMapper();
        ConnectionInfo info = ConnectionInfo.read(connectionFile, json);
        String session = UUID.randomUUID().toString();
        MessageCodec codec = new MessageCodec(json, info.key(), session);
        Transport transport = new Transport(info);
        HistoryStore history = new HistoryStore(json, HistoryStore.defaultDir());
        KernelServer server = new KernelServer(codec, transport, session, history, Version.get(), transport::stop);

        List<String> execOptions = executionJvmOptions(extraExecOptions);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String classpath = System.getProperty("java.class.path");
        JavaCells[] javaCells = new JavaCells[1];
        server.start(srv -> {
            Iopub iopub = srv.iopub();
            ExecutionJvm.Sinks sinks = new ExecutionJvm.Sinks(new StreamSink(t -> iopub.stream("stdout", t)),
                    new StreamSink(t -> iopub.stream("stderr", t)),
                    new DisplaySink(new DisplaySink.Target() {
                        @Override
                        public void display(com.fasterxml.jackson.databind.node.ObjectNode data,
                                            com.fasterxml.jackson.databind.node.ObjectNode metadata, String id, boolean update) {
                            iopub.display(data, metadata, id, update);
                        }

                        @Override
                        public void clearOutput(boolean wait) {
                            iopub.clearOutput(wait);
                        }
                    }, json), line -> iopub.stream("stderr", line));
            javaCells[0] = new JavaCells(() -> new ExecutionJvm(java, execOptions, classpath, sinks), sinks, srv.stdin(),
                    JavaCells.DEFAULT_IMPORTS);
            javaCells[0].start();
            return new CellRouter(javaCells[0], MagicRegistry.load(KernelMain.class.getClassLoader()),
                    srv::executionCount, banner());
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> javaCells[0].shutdown(), "precis-shutdown"));
        handleSigint(server);
        watchParent(transport);
        Log.info("kernel %s ready on %s", session, info.endpoint(info.shellPort()));
        transport.run(server);
        transport.close();
        return 0;
    }

    static String banner() {
        return "Precis " + Version.get() + " — Java " + Runtime.version().feature()
                + " (JShell) with a quantization language. %help for help.";
    }

    /** Options for the JVM that runs cells: the Vector API, offline DJL, native access without warnings. */
    public static List<String> executionJvmOptions(List<String> extra) {
        List<String> o = new ArrayList<>();
        o.add("--add-modules=jdk.incubator.vector");
        o.add("--enable-native-access=ALL-UNNAMED");
        if (Runtime.version().feature() >= 24) {
            o.add("--sun-misc-unsafe-memory-access=allow");
        }
        o.add("-Dai.djl.offline=true");
        o.add("-Djava.awt.headless=true");
        o.add("-Dstdout.encoding=UTF-8");
        o.add("-Dstderr.encoding=UTF-8");
        o.add("-XX:+UseParallelGC");
        o.add("-Xshare:auto");
        o.addAll(io.precis.kernel.exec.SparkOptions.options()); // set cluster, once the Spark jars are added
        String env = System.getenv("PRECIS_EXEC_JVM_OPTS");
        if (env != null && !env.isBlank()) {
            o.addAll(List.of(env.strip().split("\\s+")));
        }
        o.addAll(extra);
        return o;
    }

    @SuppressWarnings("restriction")
    private static void handleSigint(KernelServer server) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> server.interrupt());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            Log.debug("no SIGINT handling: %s", e);
        }
    }

    /** A kernel outlives nobody: when the process that launched it dies, it exits (and so does its JVM). */
    private static void watchParent(Transport transport) {
        Optional<ProcessHandle> parent = Optional.empty();
        String pid = System.getenv("JPY_PARENT_PID");
        if (pid != null && !pid.isBlank()) {
            try {
                parent = ProcessHandle.of(Long.parseLong(pid.strip()));
            } catch (NumberFormatException e) {
                Log.warn("ignoring JPY_PARENT_PID=%s", pid);
            }
        }
        if (parent.isEmpty()) {
            parent = ProcessHandle.current().parent();
        }
        parent.ifPresent(p -> p.onExit().thenRun(() -> {
            Log.warn("parent process %d died: exiting", p.pid());
            transport.stop();
            System.exit(0);
        }));
    }
}
