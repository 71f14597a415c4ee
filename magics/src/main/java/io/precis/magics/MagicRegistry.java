package io.precis.magics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The magics a kernel knows, by name. Built from {@link ServiceLoader} so other jars can add their own. */
public final class MagicRegistry {

    private final Map<String, Magic> byName = new TreeMap<>();

    public MagicRegistry(Collection<? extends Magic> magics) {
        for (Magic m : magics) {
            Magic previous = byName.putIfAbsent(m.name(), m);
            if (previous != null && previous.getClass() != m.getClass()) {
                throw new IllegalStateException("two magics named %" + m.name() + ": "
                        + previous.getClass().getName() + " and " + m.getClass().getName());
            }
        }
    }

    /** Every magic visible to the given class loader through {@code META-INF/services/io.precis.magics.Magic}. */
    public static MagicRegistry load(ClassLoader loader) {
        List<Magic> found = new ArrayList<>();
        ServiceLoader.load(Magic.class, loader).forEach(found::add);
        return new MagicRegistry(found);
    }

    public Optional<Magic> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public List<Magic> all() {
        return List.copyOf(byName.values());
    }

    /** Names to complete after {@code %} (line) or {@code %%} (cell), sorted. */
    public List<String> complete(String prefix, boolean cell) {
        return byName.values().stream()
                .filter(m -> cell ? m.isCell() : m.isLine())
                .map(Magic::name)
                .filter(n -> n.startsWith(prefix))
                .sorted()
                .toList();
    }

    /** The line or cell magic named, or a {@link MagicException} listing the known ones. */
    public Magic require(String name, boolean cell) throws MagicException {
        Magic m = byName.get(name);
        String sigil = cell ? "%%" : "%";
        if (m == null) {
            throw new MagicException("unknown magic " + sigil + name + ". " + known());
        }
        if (cell && !m.isCell()) {
            throw new MagicException("%" + name + " is a line magic, not a cell magic. " + known());
        }
        if (!cell && !m.isLine()) {
            throw new MagicException("%%" + name + " is a cell magic: put it on the first line of the cell");
        }
        return m;
    }

    /** "Line magics: %a, %b. Cell magics: %%c." */
    public String known() {
        String line = byName.values().stream().filter(Magic::isLine).map(m -> "%" + m.name())
                .collect(Collectors.joining(", "));
        String cell = byName.values().stream().filter(Magic::isCell).map(m -> "%%" + m.name())
                .collect(Collectors.joining(", "));
        return "Line magics: " + (line.isEmpty() ? "none" : line) + ". Cell magics: " + (cell.isEmpty() ? "none" : cell) + ".";
    }

    /** A table of every magic with its summary, for {@code %lsmagic}. */
    public String table() {
        int width = byName.values().stream().mapToInt(m -> m.name().length() + 2).max().orElse(0);
        StringBuilder sb = new StringBuilder();
        byName.values().stream().sorted(Comparator.comparing(Magic::name)).forEach(m -> {
            String sigils = (m.isLine() ? "%" : "") + (m.isLine() && m.isCell() ? "/" : "") + (m.isCell() ? "%%" : "");
            sb.append(String.format("  %-" + (width + 3) + "s %s%n", sigils + m.name(), m.summary()));
        });
        return sb.toString();
    }
}
