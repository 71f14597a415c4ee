package io.precis.kernel;

/** The kernel's version, from its jar's manifest (or "dev" when run from classes). */
public final class Version {
    private Version() {}

    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
