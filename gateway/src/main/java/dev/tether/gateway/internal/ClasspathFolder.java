package dev.tether.gateway.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Every file of a classpath folder, read into memory at once, found through the folder's {@code index.html} (a jar
 * need not list its folders as entries). Reads block: call off the event loop. May change without notice.
 */
final class ClasspathFolder {

    /** The file that marks the folder and is served at {@code /}. */
    static final String INDEX = "index.html";
    /** Most files a folder may hold: the page is a handful. */
    static final int MAX_FILES = 2_000;
    /** Most bytes a folder may hold, all files together: 64 MiB. */
    static final long MAX_BYTES = 64L * 1024 * 1024;

    private ClasspathFolder() {
    }

    /**
     * The files under {@code root}, keyed by their path below it with {@code /} between names, such as
     * {@code client/index.js}; empty when the classpath has no {@code root + index.html}.
     *
     * @throws IllegalStateException when the folder cannot be read or is larger than {@link #MAX_FILES} or
     *                               {@link #MAX_BYTES}
     */
    static Optional<Map<String, byte[]>> read(ClassLoader loader, String root) {
        URL index = loader.getResource(root + INDEX);
        if (index == null) {
            return Optional.empty();
        }
        Map<String, byte[]> files = new TreeMap<>();
        try {
            switch (index.getProtocol()) {
                case "file" -> readDirectory(Path.of(index.toURI()).getParent(), files);
                case "jar" -> readJar(index, root, files);
                // Another kind of class loader: the index alone, which still shows that the page was built.
                default -> add(files, INDEX, readAll(index.openStream()));
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot read the chat page from " + index + ": " + e, e);
        } catch (UncheckedIOException e) {
            throw new IllegalStateException("cannot read the chat page from " + index + ": " + e.getCause(), e);
        }
        return Optional.of(files);
    }

    private static void readDirectory(Path folder, Map<String, byte[]> files) throws IOException {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
                String name = folder.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
                add(files, name, Files.readAllBytes(path));
            }
        }
    }

    private static void readJar(URL index, String root, Map<String, byte[]> files) throws IOException {
        JarURLConnection connection = (JarURLConnection) index.openConnection();
        // A jar opened apart from the class loader's own copy, so closing it here leaves the loader working.
        connection.setUseCaches(false);
        try (JarFile jar = connection.getJarFile()) {
            for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                JarEntry entry = entries.nextElement();
                if (!entry.isDirectory() && entry.getName().startsWith(root)) {
                    add(files, entry.getName().substring(root.length()), readAll(jar.getInputStream(entry)));
                }
            }
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    private static void add(Map<String, byte[]> files, String name, byte[] bytes) {
        files.put(name, bytes);
        long total = files.values().stream().mapToLong(file -> file.length).sum();
        if (files.size() > MAX_FILES || total > MAX_BYTES) {
            throw new IllegalStateException("the chat page's folder holds more than " + MAX_FILES + " files or "
                    + MAX_BYTES / (1024 * 1024) + " MiB; serve it elsewhere and start with --ui off");
        }
    }
}
