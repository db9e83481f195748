package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The page's folder read from a directory and from a jar, as the runnable jar holds it. */
class ClasspathFolderTest {

    private static final String ROOT = "dev/tether/gateway/ui/";

    @TempDir
    Path dir;

    @Test
    void aJarWithoutFolderEntriesIsReadThroughItsIndex() throws IOException {
        Path jar = dir.resolve("gateway.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            // No entries for the folders themselves, as some jar tools write them.
            put(out, ROOT + "index.html", "<!doctype html>");
            put(out, ROOT + "client/index.js", "export {};");
            put(out, "dev/tether/gateway/ui-other/leak.txt", "a folder whose name starts like the root");
            put(out, "dev/tether/gateway/Main.class", "not the page");
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            Map<String, byte[]> files = ClasspathFolder.read(loader, ROOT).orElseThrow();

            assertThat(files).containsOnlyKeys("index.html", "client/index.js");
            assertThat(new String(files.get("client/index.js"), StandardCharsets.UTF_8)).isEqualTo("export {};");
            assertThat(loader.getResource(ROOT + "index.html")).as("the loader's own jar is left open").isNotNull();
            assertThat(loader.getResourceAsStream(ROOT + "index.html").readAllBytes()).hasSize(15);
        }
    }

    @Test
    void aDirectoryIsReadWithSubfolders() throws IOException {
        Path root = Files.createDirectories(dir.resolve(ROOT));
        Files.writeString(root.resolve("index.html"), "<!doctype html>");
        Files.createDirectories(root.resolve("client/chunks"));
        Files.writeString(root.resolve("client/chunks/a.js"), "export const a = 1;");
        Files.writeString(dir.resolve("dev/tether/gateway/secret.txt"), "beside the folder");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
            Map<String, byte[]> files = ClasspathFolder.read(loader, ROOT).orElseThrow();

            assertThat(files).containsOnlyKeys("index.html", "client/chunks/a.js");
        }
    }

    @Test
    void aClasspathWithoutTheIndexHasNoPage() throws IOException {
        Files.createDirectories(dir.resolve(ROOT));
        Files.writeString(dir.resolve(ROOT + "page.css"), "body {}");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
            assertThat(ClasspathFolder.read(loader, ROOT)).isEqualTo(Optional.empty());
        }
    }

    private static void put(JarOutputStream jar, String name, String text) throws IOException {
        jar.putNextEntry(new JarEntry(name));
        OutputStream out = jar;
        out.write(text.getBytes(StandardCharsets.UTF_8));
        jar.closeEntry();
    }
}
