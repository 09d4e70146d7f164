package dev.idempotency.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Compiles Java sources while a test runs, with the options the test chooses (a user's plain Maven build has no
 * {@code -parameters}), into a directory of their own, and loads them in a class loader of their own whose parent is
 * the test's: the framework stays in the test's class loader, as an application server or a restart loader has it.
 */
public final class TestCompiler {

    private TestCompiler() {
    }

    /**
     * Compiles {@code sources} (fully qualified class name to source text) into {@code directory} with
     * {@code options}, on the test's class path.
     *
     * @return a new loader of the compiled classes; close it to let them go
     */
    public static URLClassLoader compile(Path directory, Map<String, String> sources, String... options) {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null) {
            throw new IllegalStateException("no Java compiler: run the tests on a JDK");
        }
        try {
            Path sourceRoot = Files.createDirectories(directory.resolve("src"));
            Path classes = Files.createDirectories(directory.resolve("classes"));
            List<String> arguments = new ArrayList<>(List.of(options));
            // Surefire runs tests from a manifest-only jar; the class path it stands for is in this property.
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            arguments.addAll(List.of("-d", classes.toString(), "-classpath", classPath, "--release", "17",
                    "-proc:none"));
            for (Map.Entry<String, String> source : sources.entrySet()) {
                Path file = sourceRoot.resolve(source.getKey().replace('.', File.separatorChar) + ".java");
                Files.createDirectories(file.getParent());
                Files.writeString(file, source.getValue());
                arguments.add(file.toString());
            }
            int status = compiler.run(null, null, null, arguments.toArray(String[]::new));
            if (status != 0) {
                throw new IllegalStateException("compilation failed with status " + status + " (see the output above)");
            }
            return new URLClassLoader(new URL[] {url(classes)}, TestCompiler.class.getClassLoader());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static URL url(Path path) {
        try {
            return path.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(path.toString(), e);
        }
    }
}
