package io.streamrlhf.producers.erasure;

import io.streamrlhf.avro.ErasedExample;
import io.streamrlhf.avro.ErasureReport;
import io.streamrlhf.avro.RetainedRange;
import io.streamrlhf.avro.UserErased;
import io.streamrlhf.avro.VersionRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Builds {@link ErasureReport}s, and renders them as the gateway and the command line show them. */
public final class ErasureReports {

    private ErasureReports() {}

    /**
     * The report answering {@code request}.
     *
     * @param found the user's examples on the example topics, in any order
     * @param lineage the committed versions' lineage
     * @param retained how far back each scanned example topic-partition reached
     * @param now when the report is made
     */
    public static ErasureReport build(
            UserErased request, List<FoundExample> found, Lineage lineage, List<RetainedRange> retained, Instant now) {
        List<FoundExample> ordered = new ArrayList<>(found);
        ordered.sort(Comparator.comparing(FoundExample::topic)
                .thenComparingInt(FoundExample::partition)
                .thenComparingLong(FoundExample::offset));
        List<ErasedExample> examples = new ArrayList<>();
        TreeSet<VersionRef> versions = new TreeSet<>(Lineage.ORDER);
        List<String> untrained = new ArrayList<>();
        for (FoundExample f : ordered) {
            List<VersionRef> holding = lineage.holding(f.topic(), f.partition(), f.offset());
            versions.addAll(holding);
            if (holding.isEmpty()) {
                untrained.add(f.exampleId());
            }
            examples.add(ErasedExample.newBuilder()
                    .setKind(f.kind())
                    .setExampleId(f.exampleId())
                    .setTopic(f.topic())
                    .setPartition(f.partition())
                    .setOffset(f.offset())
                    .setCancelled(f.cancelled())
                    .setVersions(holding)
                    .build());
        }
        return ErasureReport.newBuilder()
                .setUserId(request.getUserId())
                .setRequestId(request.getRequestId())
                .setRequestedAt(request.getRequestedAt())
                .setReportedAt(now)
                .setExamples(examples)
                .setVersions(List.copyOf(versions))
                .setUntrainedExampleIds(untrained)
                .setRetained(retained)
                .build();
    }

    /** The report as plain maps and lists (JSON-ready), field names as in the Avro schema, times in ISO-8601. */
    public static Map<String, Object> toMap(ErasureReport r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", "reported");
        out.put("userId", r.getUserId());
        out.put("requestId", r.getRequestId());
        out.put("requestedAt", r.getRequestedAt().toString());
        out.put("reportedAt", r.getReportedAt().toString());
        out.put(
                "versions",
                r.getVersions().stream().map(ErasureReports::version).toList());
        out.put("untrainedExampleIds", List.copyOf(r.getUntrainedExampleIds()));
        out.put(
                "examples",
                r.getExamples().stream()
                        .map(e -> {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("kind", e.getKind());
                            m.put("exampleId", e.getExampleId());
                            m.put("topic", e.getTopic());
                            m.put("partition", e.getPartition());
                            m.put("offset", e.getOffset());
                            m.put("cancelled", e.getCancelled());
                            m.put(
                                    "versions",
                                    e.getVersions().stream()
                                            .map(ErasureReports::version)
                                            .toList());
                            return m;
                        })
                        .toList());
        out.put(
                "retained",
                r.getRetained().stream()
                        .map(t -> {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("topic", t.getTopic());
                            m.put("partition", t.getPartition());
                            m.put("earliestOffset", t.getEarliestOffset());
                            m.put(
                                    "earliestTime",
                                    t.getEarliestTime() == null
                                            ? null
                                            : t.getEarliestTime().toString());
                            m.put("endOffset", t.getEndOffset());
                            return m;
                        })
                        .toList());
        return out;
    }

    private static Map<String, Object> version(VersionRef v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("modelId", v.getModelId());
        m.put("version", v.getVersion());
        return m;
    }
}
