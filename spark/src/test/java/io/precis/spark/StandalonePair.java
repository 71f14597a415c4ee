package io.precis.spark;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * A Spark standalone cluster on 127.0.0.1 made of Spark's own {@code Master} and two {@code Worker}s (one core
 * each), each a child JVM started from this JVM's class path with Spark's {@code --add-opens} list. Workers
 * start executors as Spark does in production (their own JVMs); the executors get this class path through
 * {@code spark.executor.extraClassPath}, as a real cluster gets the project's jar. Every process started here
 * (and the executors under them) is ended by {@link #close}.
 */
final class StandalonePair implements AutoCloseable {
    final String master;
    final Process masterProcess;
    final List<Process> workers = new ArrayList<>();
    private final List<ProcessHandle> started = new ArrayList<>();
    private final Path home;

    StandalonePair(Path logs) throws IOException {
        Files.createDirectories(logs);
        // Workers build the executor's command from SPARK_HOME (conf/ and jars/ there); an empty one is enough
        // because the class path comes from the application's extraClassPath.
        home = Files.createTempDirectory("precis-spark-home");
        Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(home.resolve("conf"));
        int port = freePort();
        master = "spark://127.0.0.1:" + port;
        masterProcess = start(logs.resolve("master.log"), "org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", Integer.toString(port), "--webui-port", "0");
        awaitPort(port, masterProcess, logs.resolve("master.log"));
        for (int i = 1; i <= 2; i++) {
            Path work = Files.createDirectories(home.resolve("work-" + i));
            workers.add(start(logs.resolve("worker-" + i + ".log"), "org.apache.spark.deploy.worker.Worker",
                    "--host", "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", "0", "--work-dir", work.toString(), master));
        }
    }

    /** The driver's configuration for this cluster: two one-core executors of 640 MB, this JVM's class path. */
    SparkConf conf() {
        return SparkCluster.conf(master)
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.executor.memory", "640m")
                .set("spark.executor.cores", "1")
                .set("spark.cores.max", "2")
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"));
    }

    private Process start(Path log, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(JavaModuleOptions.defaultModuleOptionArray()));
        cmd.add("-Xmx256m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_LOCAL_DIRS", home.toString());
        Process p = pb.start();
        started.add(p.toHandle());
        return p;
    }

    /** Remembers the processes a worker started (its executors), so they are ended too even once orphaned. */
    List<ProcessHandle> descendants(Process worker) {
        List<ProcessHandle> d = worker.descendants().toList();
        started.addAll(d);
        return d;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(int port, Process p, Path log) throws IOException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) throw new IOException("the master exited: " + Files.readString(log));
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                sleep(200);
            }
        }
        throw new IOException("the master did not listen on " + port + " within 120 s");
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        for (Process w : workers) if (w.isAlive()) descendants(w);
        for (ProcessHandle h : started.reversed()) h.destroy();
        for (ProcessHandle h : started) {
            try {
                h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception slow) {
                h.destroyForcibly();
            }
        }
        deleteTree(home.toFile());
    }

    private static void deleteTree(File f) {
        File[] children = f.listFiles();
        if (children != null) for (File c : children) deleteTree(c);
        f.delete();
    }
}
