package io.precis.kernel.exec;

import java.util.ArrayList;
import java.util.List;

/**
 * What Apache Spark needs of a JVM that runs it on JDK 17+: the {@code --add-opens} list of Spark's own
 * {@code org.apache.spark.launcher.JavaModuleOptions} (4.2), which spark-submit gives every JVM. The execution
 * JVM always carries it, so that {@code set cluster "local[2]"} works once the optional Spark jars are added to
 * a running kernel ({@code %classpath add spark/target/lib/*}): options cannot be added to a JVM later, and
 * opening these packages to code on the class path changes nothing for code that does not reflect into them.
 * Left out: {@code -XX:+IgnoreUnrecognizedVMOptions} (it would hide a user's mistyped option), the options the
 * execution JVM has anyway, and packages this JDK no longer has (the JVM would warn at every start).
 * The spark module's SparkOptionsTest checks this list against Spark's.
 */
public final class SparkOptions {
    private SparkOptions() {}

    /** module/package, opened to the class path. */
    static final List<String> OPENED = List.of("java.base/java.lang", "java.base/java.lang.invoke", "java.base/java.lang.reflect",
            "java.base/java.io", "java.base/java.net", "java.base/java.nio", "java.base/java.util", "java.base/java.util.concurrent",
            "java.base/java.util.concurrent.atomic", "java.base/jdk.internal.ref", "java.base/sun.nio.ch", "java.base/sun.nio.cs",
            "java.base/sun.security.action", "java.base/sun.util.calendar", "java.security.jgss/sun.security.krb5");

    /** Netty's settings as Spark gives them (only Netty reads them; the kernel has no Netty of its own). */
    static final List<String> PROPERTIES = List.of("-Dio.netty.tryReflectionSetAccessible=true", "-Dio.netty.allocator.type=pooled",
            "-Dio.netty.handler.ssl.defaultEndpointVerificationAlgorithm=NONE");

    /** The options for a JVM of this JDK ({@code java.home}), e.g. {@code --add-opens=java.base/sun.nio.ch=ALL-UNNAMED}. */
    public static List<String> options() {
        List<String> o = new ArrayList<>();
        for (String mp : OPENED) {
            String module = mp.substring(0, mp.indexOf('/'));
            String pkg = mp.substring(mp.indexOf('/') + 1);
            boolean here = ModuleLayer.boot().findModule(module).map(m -> m.getPackages().contains(pkg)).orElse(false);
            if (here) o.add("--add-opens=" + mp + "=ALL-UNNAMED");
        }
        o.addAll(PROPERTIES);
        return o;
    }
}
