package io.streamrlhf.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CompatibilityRulesTest {

    /** {a}. */
    private static final Schema A =
            SchemaBuilder.record("R").fields().requiredString("a").endRecord();
    /** {a, b = "x"}: readable both ways with A. */
    private static final Schema A_B_DEFAULT = SchemaBuilder.record("R")
            .fields()
            .requiredString("a")
            .name("b")
            .type()
            .stringType()
            .stringDefault("x")
            .endRecord();
    /** {a, b} without default: can read A_B_DEFAULT's data, not A's. */
    private static final Schema A_B_REQUIRED = SchemaBuilder.record("R")
            .fields()
            .requiredString("a")
            .requiredString("b")
            .endRecord();
    /** {a: int}: a type change nothing else reads. */
    private static final Schema A_INT =
            SchemaBuilder.record("R").fields().requiredInt("a").endRecord();

    @Test
    void addingAFieldWithADefaultIsCompatibleAtEveryLevel() {
        for (CompatibilityLevel level : CompatibilityLevel.values()) {
            assertThat(Compatibility.violations(level, A_B_DEFAULT, List.of(A)))
                    .as(level.name())
                    .isEmpty();
        }
    }

    @Test
    void addingARequiredFieldIsForwardButNotBackwardCompatible() {
        // new reader cannot read old data without b; old reader ignores b in new data
        assertThat(Compatibility.violations(CompatibilityLevel.BACKWARD, A_B_REQUIRED, List.of(A)))
                .singleElement()
                .asString()
                .contains("new schema cannot read")
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE");
        assertThat(Compatibility.violations(CompatibilityLevel.FORWARD, A_B_REQUIRED, List.of(A)))
                .isEmpty();
        assertThat(Compatibility.violations(CompatibilityLevel.FULL, A_B_REQUIRED, List.of(A)))
                .hasSize(1);
        assertThat(Compatibility.violations(CompatibilityLevel.NONE, A_B_REQUIRED, List.of(A)))
                .isEmpty();
    }

    @Test
    void removingARequiredFieldIsBackwardButNotForwardCompatible() {
        assertThat(Compatibility.violations(CompatibilityLevel.BACKWARD, A, List.of(A_B_REQUIRED)))
                .isEmpty();
        assertThat(Compatibility.violations(CompatibilityLevel.FORWARD, A, List.of(A_B_REQUIRED)))
                .singleElement()
                .asString()
                .contains("an earlier version cannot read");
        assertThat(Compatibility.violations(CompatibilityLevel.FULL, A, List.of(A_B_REQUIRED)))
                .hasSize(1);
    }

    @Test
    void changingAFieldTypeIsAcceptedOnlyUnderNone() {
        for (CompatibilityLevel level : CompatibilityLevel.values()) {
            assertThat(Compatibility.violations(level, A_INT, List.of(A)).isEmpty())
                    .as(level.name())
                    .isEqualTo(level == CompatibilityLevel.NONE);
        }
    }

    @Test
    void nonTransitiveLevelsCheckOnlyTheLatestVersion() {
        // given: A, then A_B_DEFAULT; A_B_REQUIRED reads A_B_DEFAULT's data but not A's
        List<Schema> history = List.of(A, A_B_DEFAULT);

        // then
        assertThat(Compatibility.violations(CompatibilityLevel.BACKWARD, A_B_REQUIRED, history))
                .isEmpty();
        assertThat(Compatibility.violations(CompatibilityLevel.BACKWARD_TRANSITIVE, A_B_REQUIRED, history))
                .hasSize(1);
    }

    @Test
    void forwardTransitiveChecksThatEveryEarlierReaderCanReadNewData() {
        // given: A_B_REQUIRED, then A_B_DEFAULT; A's data lacks b, which only the first reader requires
        List<Schema> history = List.of(A_B_REQUIRED, A_B_DEFAULT);

        // then
        assertThat(Compatibility.violations(CompatibilityLevel.FORWARD, A, history))
                .isEmpty();
        assertThat(Compatibility.violations(CompatibilityLevel.FORWARD_TRANSITIVE, A, history))
                .hasSize(1);
        assertThat(Compatibility.violations(CompatibilityLevel.FULL, A, history))
                .isEmpty();
        assertThat(Compatibility.violations(CompatibilityLevel.FULL_TRANSITIVE, A, history))
                .hasSize(1);
    }

    @Test
    void registryRejectsAnIncompatibleSchemaWith409AndKeepsTheSubjectUnchanged() {
        // given
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        registry.register("s", A);

        // when / then
        assertThatThrownBy(() -> registry.register("s", A_INT))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> {
                    assertThat(e.httpStatus()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
                    assertThat(e.detail()).contains("incompatible").contains("\"s\"");
                });
        assertThat(registry.versions("s")).containsExactly(1);
        assertThat(registry.isCompatible("s", A_INT)).isFalse();
        assertThat(registry.incompatibilities("s", A_INT)).isNotEmpty();
    }

    @ParameterizedTest
    @EnumSource(CompatibilityLevel.class)
    void registryAppliesTheSubjectLevelOverTheGlobalOne(CompatibilityLevel level) {
        // given: global NONE would accept anything; the subject's own level decides
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        registry.setCompatibility(null, CompatibilityLevel.NONE);
        registry.setCompatibility("s", level);
        registry.register("s", A_B_REQUIRED);
        registry.register("s", A_B_DEFAULT);

        // when
        boolean accepted = tryRegister(registry, "s", A);

        // then: A follows A_B_DEFAULT both ways, but A_B_REQUIRED cannot read A's data
        boolean forwardTransitive =
                level == CompatibilityLevel.FORWARD_TRANSITIVE || level == CompatibilityLevel.FULL_TRANSITIVE;
        assertThat(accepted).isEqualTo(!forwardTransitive);
        assertThat(registry.compatibility("s")).isEqualTo(level);
        assertThat(registry.compatibility("other")).isEqualTo(CompatibilityLevel.NONE);
        assertThat(registry.ownCompatibility("other")).isNull();
    }

    @Test
    void backwardIsTheDefaultLevel() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        registry.register("s", A);

        assertThat(registry.compatibility(null)).isEqualTo(CompatibilityLevel.BACKWARD);
        assertThat(tryRegister(registry, "s", A_B_REQUIRED)).isFalse();
        assertThat(tryRegister(registry, "s", A_B_DEFAULT)).isTrue();
    }

    @Test
    void identicalSchemasShareOneIdAcrossSubjectsAndReRegisteringIsANoOp() {
        // given
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

        // when
        int first = registry.register("a-value", A);
        int again = registry.register("a-value", A);
        int other = registry.register("b-value", A);
        int different = registry.register("b-value", A_B_DEFAULT);

        // then
        assertThat(again).isEqualTo(first);
        assertThat(other).isEqualTo(first);
        assertThat(different).isNotEqualTo(first);
        assertThat(registry.versions("a-value")).containsExactly(1);
        assertThat(registry.versions("b-value")).containsExactly(1, 2);
        assertThat(registry.latest("b-value").id()).isEqualTo(different);
        assertThat(registry.getById(first)).isEqualTo(A);
    }

    @Test
    void missingSubjectVersionAndIdHaveTheirOwnErrorCodes() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        registry.register("s", A);

        assertThat(code(() -> registry.latest("nope"))).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
        assertThat(code(() -> registry.version("s", 9))).isEqualTo(SchemaRegistryException.VERSION_NOT_FOUND);
        assertThat(code(() -> registry.getById(99))).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
        assertThat(code(() -> registry.lookup("s", A_INT))).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
        assertThat(code(() -> registry.lookup("nope", A))).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
    }

    @Test
    void levelNamesParseCaseInsensitivelyAndRejectUnknownOnes() {
        assertThat(CompatibilityLevel.parse(" full_transitive ")).isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
        assertThatThrownBy(() -> CompatibilityLevel.parse("SIDEWAYS"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BACKWARD_TRANSITIVE");
    }

    private static boolean tryRegister(InMemorySchemaRegistry registry, String subject, Schema schema) {
        try {
            registry.register(subject, schema);
            return true;
        } catch (SchemaRegistryException e) {
            assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
            return false;
        }
    }

    private static int code(Runnable call) {
        try {
            call.run();
        } catch (SchemaRegistryException e) {
            return e.errorCode();
        }
        throw new AssertionError("expected a SchemaRegistryException");
    }
}
