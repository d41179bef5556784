package io.streamrlhf.schemas.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.syntax.elements.ClassesShould;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Architecture rules every product module checks against its own main classes (its {@code ModuleBoundariesTest}).
 * Maven's enforcer guards which modules may depend on which; these rules guard what the code inside may use.
 */
public final class ModuleRules {

    /**
     * Packages of Kafka that are not public API: {@code internals} packages change in any release, and the broker's
     * own classes belong in the embedded broker ({@code localstack}) only.
     */
    public static final List<String> KAFKA_NON_PUBLIC = List.of(
            "org.apache.kafka..internals..",
            "kafka..",
            "org.apache.kafka.controller..",
            "org.apache.kafka.image..",
            "org.apache.kafka.metadata..",
            "org.apache.kafka.raft..",
            "org.apache.kafka.storage..");

    private ModuleRules() {}

    /**
     * The module's own main classes: {@code target/classes} under the test's working folder, the module's root.
     *
     * <p>Classes they use from other jars are not imported from the class path: every rule here asks only where a
     * used class lives (its package, which its name gives), never its members or supertypes, so importing Kafka, DJL
     * and the rest behind each module only cost several seconds a module.
     */
    public static JavaClasses mainClasses() {
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
        Path classes = Path.of("target", "classes").toAbsolutePath();
        if (!Files.isDirectory(classes)) {
            throw new IllegalStateException(
                    "No main classes at " + classes + ": run from the module's folder, after compile");
        }
        return new ClassFileImporter().importPath(classes);
    }

    /**
     * No class uses a non-public Kafka package ({@link #KAFKA_NON_PUBLIC}), except the named top-level classes
     * (with their nested classes): an allow-list of known violations that are being removed, never a way in.
     */
    public static ArchRule noKafkaInternals(String... allowedClasses) {
        List<String> allowed = List.of(allowedClasses);
        DescribedPredicate<JavaClass> allowListed = DescribedPredicate.describe(
                "allow-listed " + allowed,
                c -> allowed.stream()
                        .anyMatch(a -> c.getName().equals(a) || c.getName().startsWith(a + "$")));
        ClassesShould should = allowed.isEmpty()
                ? noClasses().should()
                : noClasses().that(DescribedPredicate.not(allowListed)).should();
        return should.dependOnClassesThat()
                .resideInAnyPackage(KAFKA_NON_PUBLIC.toArray(String[]::new))
                .because("correctness must rest on Kafka's public API; internals change in any release");
    }

    /** No class uses the given project packages (another module's code, reached only through topics). */
    public static ArchRule noUseOf(String because, String... packages) {
        return noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages)
                .because(because);
    }
}
