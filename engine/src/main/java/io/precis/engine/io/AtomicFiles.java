package io.precis.engine.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files Precis writes are written whole or not at all: a temporary file beside the target, then a move over
 * it, so a crash or an interrupt never leaves half a plan, cache entry or benchmark behind.
 *
 * <p>The target is followed through symbolic links, and what the last link names is replaced (the link
 * stays a link, now to the new content). Only a regular file or nothing is replaced: a directory, a FIFO, a
 * device or a socket is refused. Failures are {@link WriteException}s whose message is the reason alone
 * (never the temporary file's name), for the caller to put after the path it shows.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Links followed before a target is taken for a loop. */
    private static final int MAX_LINKS = 40;

    /** Why a write did not happen, without the path: callers say "cannot write PATH: " + getMessage(). */
    public static final class WriteException extends IOException {
        public WriteException(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    /** Writes {@code text} (UTF-8) to {@code target}, creating its directory when missing. */
    public static void writeString(Path target, String text) throws IOException {
        Path file = writableTarget(target);
        Path dir = file.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new WriteException("cannot create its directory " + dir + ": " + reason(e), e);
        }
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        } catch (IOException e) {
            throw new WriteException("cannot create a file in " + dir + ": " + reason(e), e);
        }
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            move(tmp, file);
        } catch (WriteException e) {
            throw e;
        } catch (IOException e) {
            throw new WriteException(reason(e), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Moves a finished file over {@code target}: atomically where the file system can, readable like any other file. */
    public static void moveInto(Path from, Path target) throws IOException {
        move(from, writableTarget(target));
    }

    private static void move(Path from, Path file) throws IOException {
        readableByAll(from);
        // checked again just before the move: a directory or FIFO may have appeared since
        refuseNonRegular(file);
        try {
            try {
                Files.move(from, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new WriteException(reason(e), e);
        }
    }

    /**
     * The path to replace for {@code target}: absolute, with symbolic links followed to what the last one
     * names (which may not exist yet); refused when that is not a regular file.
     */
    static Path writableTarget(Path target) throws IOException {
        Path p = target.toAbsolutePath().normalize();
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == MAX_LINKS) throw new WriteException("too many levels of symbolic links", null);
            Path link = Files.readSymbolicLink(p);
            p = p.resolveSibling(link).toAbsolutePath().normalize();
        }
        refuseNonRegular(p);
        return p;
    }

    private static void refuseNonRegular(Path p) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return; // absent: created
        } catch (IOException e) {
            throw new WriteException(reason(e), e);
        }
        if (a.isDirectory()) throw new WriteException("is a directory; give a file name", null);
        if (a.isOther()) throw new WriteException("is not a regular file (a FIFO, device or socket); Precis replaces only regular files", null);
    }

    /** An I/O failure in words, without the file names the JDK puts in its messages. */
    static String reason(IOException e) {
        if (e instanceof WriteException) return e.getMessage();
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof NoSuchFileException) return "no such file or directory";
        if (e instanceof DirectoryNotEmptyException) return "is a directory";
        if (e instanceof NotDirectoryException) return "a part of the path is not a directory";
        if (e instanceof FileSystemException f) return f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** Temporary files are created owner-only; what we publish is rw-r--r--. */
    private static void readableByAll(Path p) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep its defaults
        }
    }
}
