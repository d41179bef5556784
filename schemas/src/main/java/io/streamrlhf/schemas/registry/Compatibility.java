package io.streamrlhf.schemas.registry;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/** The registry's compatibility rules, checked with Avro's {@link SchemaCompatibility}. */
public final class Compatibility {

    private Compatibility() {}

    /**
     * Returns why {@code candidate} may not follow {@code existing} (oldest first) under {@code level};
     * an empty list means it is compatible.
     */
    public static List<String> violations(CompatibilityLevel level, Schema candidate, List<Schema> existing) {
        List<String> problems = new ArrayList<>();
        if (level == CompatibilityLevel.NONE || existing.isEmpty()) {
            return problems;
        }
        List<Schema> toCheck = level.transitive() ? existing : List.of(existing.get(existing.size() - 1));
        for (Schema previous : toCheck) {
            if (level.checksBackward()) {
                describe(
                        SchemaCompatibility.checkReaderWriterCompatibility(candidate, previous),
                        "new schema cannot read data written with an earlier version",
                        problems);
            }
            if (level.checksForward()) {
                describe(
                        SchemaCompatibility.checkReaderWriterCompatibility(previous, candidate),
                        "an earlier version cannot read data written with the new schema",
                        problems);
            }
        }
        return problems;
    }

    private static void describe(SchemaCompatibility.SchemaPairCompatibility result, String what, List<String> out) {
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (SchemaCompatibility.Incompatibility incompatibility :
                result.getResult().getIncompatibilities()) {
            out.add(what + ": " + incompatibility.getType() + " at " + incompatibility.getLocation() + " ("
                    + incompatibility.getMessage() + ")");
        }
        if (result.getResult().getIncompatibilities().isEmpty()) {
            out.add(what + ": " + result.getDescription());
        }
    }
}
