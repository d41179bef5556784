package io.streamrlhf.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Conventions of the whole repository that no single module can check: every package says what it owns, and the
 * user documentation stays short and links only to files that exist inside the repository. This module is built
 * last, so it sees every other module's sources.
 */
class RepositoryConventionsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern MARKDOWN_LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void everyMainPackageHasAPackageInfo() throws IOException {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            files.filter(p -> p.toString().contains("/src/main/java/")
                            && !p.toString().contains("/target/"))
                    .filter(p -> p.toString().endsWith(".java"))
                    .map(Path::getParent)
                    .distinct()
                    .filter(dir -> !Files.exists(dir.resolve("package-info.java")))
                    .forEach(dir -> missing.add(ROOT.relativize(dir).toString()));
        }
        assertThat(missing).as("packages without package-info.java").isEmpty();
    }

    @Test
    void readmeIsShortAndOpensWithTheTwoCommands() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("README.md"));
        assertThat(lines.size()).as("README.md lines").isLessThanOrEqualTo(300);
        String opening = String.join("\n", lines.subList(0, Math.min(12, lines.size())));
        assertThat(opening).contains("./streamrlhf demo").contains("./mvnw -B verify");
    }

    @Test
    void everyLinkInTheDocumentationPointsToAFileInsideTheRepository() throws IOException {
        List<String> broken = new ArrayList<>();
        List<Path> docs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            files.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> !p.toString().contains("/target/")
                            && !p.toString().contains("/.git/")
                            && !p.toString().contains("/node_modules/"))
                    .forEach(docs::add);
        }
        for (Path doc : docs) {
            Matcher m = MARKDOWN_LINK.matcher(read(doc));
            while (m.find()) {
                String target = m.group(1);
                if (target.startsWith("#")
                        || target.startsWith("http://127.0.0.1")
                        || target.startsWith("http://localhost")) {
                    continue;
                }
                String file = target.replaceFirst("#.*$", "");
                Path resolved = doc.getParent().resolve(file).normalize();
                if (target.contains("://") || !resolved.startsWith(ROOT) || !Files.exists(resolved)) {
                    broken.add(ROOT.relativize(doc) + " -> " + target);
                }
            }
        }
        assertThat(broken)
                .as("links that leave the repository or point nowhere")
                .isEmpty();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
