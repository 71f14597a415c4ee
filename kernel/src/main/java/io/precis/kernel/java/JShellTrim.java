package io.precis.kernel.java;

import io.precis.kernel.Log;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;

/**
 * Makes JShell forget what no live snippet needs, so a session of thousands of cells stays as fast and as
 * small as a new one. JShell keeps every snippet it ever evaluated, with its wrapped source, every class file
 * it ever compiled (twice: for the compiler, and for redefinition), and every wrapper class; javac lists that
 * whole package on every compilation (JShell resets it after each task), and each task walks all snippets.
 * Measured: the heap after a full GC grew 50 to 93 MiB and a cell's round trip 81 to 134 ms over the first
 * 1,000 cells of tests/soak.py.
 *
 * <p>After each cell this removes, through reflection into {@code jdk.jshell} (opened to us by the kernel's
 * {@code --add-opens}), the snippets that are no longer active (overwritten, dropped, rejected) from
 * JShell's list, the dropped expression temporaries from its key index, the keys of names no active snippet has
 * (one per temporary and per rejected declaration, kept for ever), and the class files, class tracking
 * and wrapper of every class no active snippet is compiled into. What stays is exactly what javac needs to
 * compile the next cell: active snippets import only classes of active snippets. Every
 * {@value #COMPILER_REUSE} cells it also gives JShell a new pool of javac contexts: a reused context keeps
 * symbols of what it compiled. And it empties the diagnostics of the snippets that stay, read only while
 * their cell runs: each holds javac's log, and through it the javac context that compiled it. Without the
 * {@code --add-opens} (a kernelspec installed by an older version) or on a JDK whose JShell differs, it
 * does nothing and says so once.
 */
final class JShellTrim {

    private static final String PREFIX = "$JShell$";
    /** Cells a javac context of JShell's pool serves before the pool is replaced. */
    static final int COMPILER_REUSE = 50;

    private final JShell shell;
    private final Set<Snippet> snippets;
    private final List<Snippet> keyIndex;
    private final Map<String, ?> classFiles;
    private final Map<String, ?> tracked;
    private final Map<String, ?> outers;
    private final Field outer;
    private final Method className;
    private final Object taskFactory;
    private final Method newCompilerPool;
    private final List<Field> diagnostics;
    private final Field wrapOf;
    private final Class<?> compound;
    private final Field elements;
    private final Field wrapped;
    /** JShell's keys by name (classes, methods, variables, imports): one per name ever declared, temporaries included. */
    private final List<Map<String, ?>> keyMaps;
    private final Method keyNumber;
    private int trims;

    private JShellTrim(JShell shell, Set<Snippet> snippets, List<Snippet> keyIndex, Map<String, ?> classFiles, Map<String, ?> tracked,
                       Map<String, ?> outers, Field outer, Method className, Object taskFactory, Method newCompilerPool,
                       List<Field> diagnostics, List<Map<String, ?>> keyMaps, Method keyNumber) {
        this.shell = shell;
        this.snippets = snippets;
        this.keyIndex = keyIndex;
        this.classFiles = classFiles;
        this.tracked = tracked;
        this.outers = outers;
        this.outer = outer;
        this.className = className;
        this.taskFactory = taskFactory;
        this.newCompilerPool = newCompilerPool;
        this.diagnostics = diagnostics;
        this.keyMaps = keyMaps;
        this.keyNumber = keyNumber;
        try {
            this.wrapOf = outer.getType().getDeclaredField("w");
            this.compound = Class.forName("jdk.jshell.Wrap$CompoundWrap");
            this.elements = compound.getDeclaredField("os");
            this.wrapped = compound.getDeclaredField("wrapped");
            wrapOf.setAccessible(true);
            elements.setAccessible(true);
            wrapped.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The trimmer of one JShell, or null when JShell's internals are not reachable (logged once). */
    @SuppressWarnings("unchecked")
    static JShellTrim of(JShell shell) {
        try {
            Object maps = get(shell, "maps");
            Object taskFactory = get(shell, "taskFactory");
            Object fileManager = get(taskFactory, "fileManager");
            Field outer = Snippet.class.getDeclaredField("outer");
            outer.setAccessible(true);
            Method className = outer.getType().getDeclaredMethod("className");
            className.setAccessible(true);
            Method newCompilerPool = taskFactory.getClass().getDeclaredMethod("initTaskPool");
            newCompilerPool.setAccessible(true);
            List<Field> diagnostics = new java.util.ArrayList<>();
            for (String name : List.of("diagnostics", "syntheticDiags")) {
                Field f = Snippet.class.getDeclaredField(name);
                f.setAccessible(true);
                diagnostics.add(f);
            }
            Object keyMap = get(shell, "keyMap");
            List<Map<String, ?>> keyMaps = new java.util.ArrayList<>();
            for (String name : List.of("classMap", "methodMap", "varMap", "importMap")) {
                keyMaps.add((Map<String, ?>) get(keyMap, name));
            }
            Method keyNumber = Class.forName("jdk.jshell.Key").getDeclaredMethod("index");
            keyNumber.setAccessible(true);
            return new JShellTrim(shell, (Set<Snippet>) get(maps, "snippets"), (List<Snippet>) get(maps, "keyIndexToSnippet"),
                    (Map<String, ?>) get(fileManager, "classObjects"), (Map<String, ?>) get(get(shell, "classTracker"), "map"),
                    (Map<String, ?>) get(get(shell, "outerMap"), "classOuters"), outer, className, taskFactory, newCompilerPool,
                    diagnostics, keyMaps, keyNumber);
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (!warned) {
                warned = true;
                Log.warn("long sessions will slow down: cannot trim JShell's history (%s); reinstall the kernel "
                        + "(precis install) so it runs with --add-opens jdk.jshell/jdk.jshell=ALL-UNNAMED", e);
            }
            return null;
        }
    }

    private static volatile boolean warned;

    private static Object get(Object owner, String name) throws ReflectiveOperationException {
        Field f = owner.getClass().getDeclaredField(name);
        f.setAccessible(true);
        Object v = f.get(owner);
        if (v == null) {
            throw new NoSuchFieldException(owner.getClass().getSimpleName() + "." + name + " is null");
        }
        return v;
    }

    /**
     * Forgets what no active declaration needs; call with JShell to ourselves, after a cell. Statements and
     * expressions that ran are done with: nothing refers to them (they stay "valid" in JShell for ever).
     *
     * @return the ids of the snippets JShell still holds
     */
    Set<String> trim() {
        try {
            Set<String> live = new HashSet<>();
            Set<String> ids = new HashSet<>();
            for (Iterator<Snippet> it = snippets.iterator(); it.hasNext(); ) {
                Snippet s = it.next();
                if (shell.status(s).isActive() && s.kind().isPersistent()) {
                    ids.add(s.id());
                    Object o = outer.get(s);
                    if (o != null) {
                        live.add((String) className.invoke(o));
                        shrink(o);
                    }
                } else {
                    it.remove();
                }
            }
            // JShell looks a key up for its active snippet only: forget the others (statements and expressions
            // that ran, dropped temporaries, rejected or dropped declarations).
            for (int i = 0; i < keyIndex.size(); i++) {
                Snippet s = keyIndex.get(i);
                if (s != null && !(s.kind().isPersistent() && shell.status(s).isActive())) {
                    keyIndex.set(i, null);
                }
            }
            // JShell keeps a key for each name ever declared (every temporary $n, every rejected declaration) for
            // ever: forget those whose snippet was forgotten above (measured: 1,200 dead keys per 2,000 cells of
            // tests/soak.py). JShell never looks a key up but for its active snippet (it maps class keys to their
            // snippets when it shortens a type's name: none may be missing); a name declared again gets a new key.
            for (Map<String, ?> keys : keyMaps) {
                for (Iterator<?> it = keys.values().iterator(); it.hasNext(); ) {
                    int i = (Integer) keyNumber.invoke(it.next());
                    if (i >= keyIndex.size() || keyIndex.get(i) == null) {
                        it.remove();
                    }
                }
            }
            // A javac diagnostic holds javac's log, and so the whole javac context that compiled it: a snippet
            // with a warning would keep one context alive per cell. Nobody reads them after the cell.
            for (Snippet s : snippets) {
                for (Field f : diagnostics) {
                    Object d = f.get(s);
                    if (d instanceof List<?> l && !l.isEmpty()) {
                        l.clear();
                    }
                }
            }
            classFiles.keySet().removeIf(name -> isWrapper(name) && !live.contains(wrapper(name)));
            tracked.keySet().removeIf(name -> isWrapper(name) && !live.contains(wrapper(name)));
            outers.keySet().removeIf(name -> isWrapper(name) && !live.contains(wrapper(name)));
            if (++trims % COMPILER_REUSE == 0) {
                // javac's reused contexts keep symbols and trees of the snippets they compiled (measured: +22 MiB
                // of javac objects over 800 cells); fresh ones, as JShell makes when the class path changes.
                newCompilerPool.invoke(taskFactory);
            }
            return ids;
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.warn("stopped trimming JShell's history: %s", e);
            throw new IllegalStateException(e);
        }
    }

    static boolean isWrapper(String name) {
        return name.startsWith(PREFIX) || name.startsWith("REPL." + PREFIX);
    }

    /**
     * A compiled wrapper keeps its whole source: the imports of every snippet live when it was compiled, then
     * the class. As each live snippet is recompiled in time, that is quadratic in the number of live names
     * (measured: +110 KiB per new name at 380 live names). After compilation JShell reads the wrapper only to
     * map a stack frame's line to the snippet's line, which needs the line count of the import text, not the
     * text: it is replaced by as many newlines (one shared string per count), and the full source by "".
     */
    private void shrink(Object outerWrap) throws ReflectiveOperationException {
        Object w = wrapOf.get(outerWrap);
        if (!compound.isInstance(w)) {
            return;
        }
        Object[] os = (Object[]) elements.get(w);
        boolean shrunk = false;
        for (int i = 0; i < os.length; i++) {
            if (os[i] instanceof String text && text.length() > 64 && !text.startsWith(" \n")) {
                os[i] = newlines.computeIfAbsent(lines(text), n -> " " + "\n".repeat(n));
                shrunk = true;
            }
        }
        if (shrunk) {
            wrapped.set(w, "");
        }
    }

    private final Map<Integer, String> newlines = new java.util.HashMap<>();

    /** Lines as JShell's Wrap.countLines counts them: newlines after the first character. */
    static int lines(String s) {
        int n = 0;
        for (int i = 1; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    /** The wrapper class a class belongs to: REPL.$JShell$12B$R0 and $JShell$12B -> $JShell$12B; others as they are. */
    static String wrapper(String name) {
        String n = name.startsWith("REPL.") ? name.substring(5) : name;
        if (!n.startsWith(PREFIX)) {
            return n;
        }
        int end = n.indexOf('$', PREFIX.length());
        return end < 0 ? n : n.substring(0, end);
    }

    int snippetCount() {
        return snippets.size();
    }

    int classFileCount() {
        return classFiles.size();
    }

    int keyCount() {
        return keyMaps.stream().mapToInt(Map::size).sum();
    }
}
