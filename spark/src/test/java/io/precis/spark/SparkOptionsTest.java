package io.precis.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.kernel.exec.SparkOptions;
import java.util.List;
import java.util.Set;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;

/** The kernel's execution JVM carries every option of Spark's JavaModuleOptions that applies to this JDK. */
class SparkOptionsTest {
    /** Spark's options the kernel leaves out on purpose (see SparkOptions). */
    static final Set<String> LEFT_OUT = Set.of("-XX:+IgnoreUnrecognizedVMOptions", "--add-modules=jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");

    @Test
    void theKernelCarriesSparksOpens() {
        List<String> kernel = SparkOptions.options();
        for (String o : JavaModuleOptions.defaultModuleOptionArray()) {
            if (LEFT_OUT.contains(o)) continue;
            if (o.startsWith("--add-opens=")) {
                String mp = o.substring("--add-opens=".length(), o.indexOf('=', "--add-opens=".length()));
                String module = mp.substring(0, mp.indexOf('/')), p = mp.substring(mp.indexOf('/') + 1);
                if (!ModuleLayer.boot().findModule(module).map(m -> m.getPackages().contains(p)).orElse(false)) {
                    assertTrue(!kernel.contains(o), o + " names a package this JDK does not have: the JVM would warn");
                    continue;
                }
            }
            assertTrue(kernel.contains(o), "the kernel's execution JVM lacks Spark's " + o + " (kernel/.../exec/SparkOptions)");
        }
    }
}
