package io.precis.kernel;

import io.precis.kernel.install.KernelSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code precis}: install the kernelspec, or run the kernel for Jupyter. */
@Command(name = "precis", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Precis: a Java Jupyter kernel for quantization analysis; `precis run` runs notebooks and .precis scripts headless.",
        subcommands = {Main.Kernel.class, Main.Install.class, io.precis.kernel.run.RunCommand.class, Main.Train.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"precis " + Version.get() + " (Java " + Runtime.version() + ")"};
        }
    }

    @Command(name = "kernel", description = "Run the kernel (Jupyter starts this from kernel.json).")
    static final class Kernel implements Callable<Integer> {
        @Option(names = {"-f", "--connection-file"}, required = true, description = "Jupyter connection file")
        Path connectionFile;

        @Option(names = "--exec-jvm-opt", description = "an extra option for the JVM that runs cells (repeatable)")
        List<String> execJvmOptions = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            return KernelMain.run(connectionFile, execJvmOptions);
        }
    }

    @Command(name = "install", description = "Write the kernelspec so Jupyter offers a Java (Precis) kernel.")
    static final class Install implements Callable<Integer> {
        @CommandLine.ArgGroup(exclusive = true)
        Where where = new Where();

        static final class Where {
            @Option(names = "--user", description = "into your user Jupyter data folder (default)")
            boolean user;
            @Option(names = "--sys-prefix", description = "into the current Python environment (sys.prefix)")
            boolean sysPrefix;
            @Option(names = "--prefix", paramLabel = "DIR", description = "into DIR/share/jupyter/kernels")
            Path prefix;
        }

        @Option(names = "--name", defaultValue = "precis", description = "kernelspec name (default: ${DEFAULT-VALUE})")
        String name;

        @Option(names = "--display-name", defaultValue = "Java (Precis)", description = "name shown in Jupyter (default: ${DEFAULT-VALUE})")
        String displayName;

        @Option(names = "--jvm-opt", description = "an extra option for the kernel JVM (repeatable)")
        List<String> jvmOptions = new ArrayList<>();

        @Option(names = "--exec-jvm-opt", description = "an extra option for the JVM that runs cells, e.g. -Xmx8g (repeatable)")
        List<String> execJvmOptions = new ArrayList<>();

        @Option(names = {"-q", "--quiet"}, description = "print only the kernelspec's folder")
        boolean quiet;

        @Option(names = "--no-warm-start", description = "skip recording the start-up cache (JDK 25+: an AOT cache, ~20 s)")
        boolean noWarmStart;

        @Override
        public Integer call() throws Exception {
            Path dir = KernelSpec.kernelsDir(where.user, where.sysPrefix, where.prefix).resolve(name);
            Path written = new KernelSpec(name, displayName, jvmOptions, execJvmOptions).install(dir, !noWarmStart, quiet);
            System.out.println(quiet ? written.toString() : "Installed kernelspec " + name + " in " + written);
            return 0;
        }
    }

    @Command(name = "train", hidden = true, description = "Run a scripted session against a kernel of this JVM (records the AOT cache).")
    static final class Train implements Callable<Integer> {
        @Option(names = "--rounds", defaultValue = "3")
        int rounds;

        @Override
        public Integer call() throws Exception {
            return io.precis.kernel.install.AotTraining.run(rounds);
        }
    }
}
