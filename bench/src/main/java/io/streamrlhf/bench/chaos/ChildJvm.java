package io.streamrlhf.bench.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One child JVM started with {@code java} directly (not through a launcher script), so that the process killed is
 * the JVM itself. Its standard output and error are appended to one log file across restarts.
 */
final class ChildJvm {

    private final String name;
    private final List<String> command;
    private final Path log;
    private Process process;
    private boolean expectedDown;

    /**
     * @param name what the reports call it
     * @param jvmOptions options before the main class
     * @param mainClass the main class, found on this JVM's class path
     * @param args the program's arguments
     * @param log the file output goes to
     */
    ChildJvm(String name, List<String> jvmOptions, String mainClass, List<String> args, Path log) {
        this.name = name;
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(mainClass);
        cmd.addAll(args);
        this.command = List.copyOf(cmd);
        this.log = log;
    }

    /**
     * The class path of the children: {@code chaos.classpath} if set, else this JVM's, without test classes and test
     * jars (their {@code logback-test.xml} files would otherwise configure the components' logging).
     */
    static String classPath() {
        String all = System.getProperty("chaos.classpath", System.getProperty("java.class.path"));
        return java.util.Arrays.stream(all.split(java.io.File.pathSeparator))
                .filter(e -> !e.isBlank() && !e.endsWith("-tests.jar") && !e.contains("test-classes"))
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    String name() {
        return name;
    }

    /** Starts the JVM; it must not be running. */
    synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(
                    log,
                    "==== start " + java.time.Instant.now() + "\n",
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            expectedDown = false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** SIGKILL ({@link Process#destroyForcibly()} on Linux), then waits until the JVM is gone. */
    synchronized void kill() throws InterruptedException {
        expectedDown = true;
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL for 60 s");
        }
    }

    /** SIGTERM, then SIGKILL after {@code seconds}. */
    synchronized void stop(int seconds) throws InterruptedException {
        expectedDown = true;
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(60, TimeUnit.SECONDS);
        }
    }

    /** True when the JVM ended although nobody stopped it (a supervisor gave up, a crash). */
    synchronized boolean exitedOnItsOwn() {
        return process != null && !expectedDown && !process.isAlive();
    }

    /** Starts the JVM again if it {@linkplain #exitedOnItsOwn exited on its own}; true when it did. */
    synchronized boolean restartIfExitedOnItsOwn() {
        if (!exitedOnItsOwn()) {
            return false;
        }
        start();
        return true;
    }

    /** The exit status of the last JVM, or -1 while it runs. */
    synchronized int exitValue() {
        return process == null || process.isAlive() ? -1 : process.exitValue();
    }

    synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    Path log() {
        return log;
    }
}
