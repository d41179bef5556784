package io.streamrlhf.schemas.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.util.List;
import org.junit.jupiter.api.Test;

class MonitorContractTest {

    private final ObjectMapper json = MonitorContract.mapper();

    /** One row written out by hand, field by field, as docs/dashboard.md documents it. */
    private static final String ROW = """
            {"policyVersion": 3, "from": 60000, "to": 120000, "responses": 10, "feedback": 8, "thumbsUp": 6,
             "thumbsDown": 2, "retractions": 1, "thumbsUpRate": 0.75, "thumbsUpLow": 0.41, "thumbsUpHigh": 0.93,
             "judged": 4, "judgePassRate": null, "meanCompletionLength": 100.0, "examples": 7, "examplesCapped": 1,
             "pairsHuman": 2, "pairsDerived": 3, "pairsJudge": 4, "groupsNoPass": 5, "deadLetters": 0}""";

    @Test
    void readsEveryDocumentedFieldOfARow() throws Exception {
        VersionStats row = json.readValue(ROW, VersionStats.class);

        assertThat(row)
                .isEqualTo(new VersionStats(
                        3, 60_000, 120_000, 10, 8, 6, 2, 1, 0.75, 0.41, 0.93, 4, null, 100.0, 7, 1, 2, 3, 4, 5, 0, null,
                        null));
    }

    @Test
    void readsTheSkippedPairCountsWhereAMonitorReportsThem() throws Exception {
        String newer =
                ROW.replace("\"deadLetters\": 0", "\"deadLetters\": 0, \"groupsTied\": 6, \"pairsIdentical\": 9");

        VersionStats row = json.readValue(newer, VersionStats.class);

        assertThat(row.groupsTied()).isEqualTo(6L);
        assertThat(row.pairsIdentical()).isEqualTo(9L);
        assertThat(json.readValue(ROW, VersionStats.class).groupsTied()).isNull();
    }

    @Test
    void writesWhatItReads() throws Exception {
        VersionsDocument doc = new VersionsDocument(List.of(json.readValue(ROW, VersionStats.class)));

        assertThat(json.readValue(json.writeValueAsString(doc), VersionsDocument.class))
                .isEqualTo(doc);
    }

    @Test
    void rejectsARowWithAFieldMissing() {
        String renamed = ROW.replace("\"thumbsUp\":", "\"up\":");

        assertThatThrownBy(() -> json.readValue(renamed, VersionStats.class))
                .isInstanceOf(MismatchedInputException.class)
                .hasMessageContaining("thumbsUp");
    }

    @Test
    void rejectsANullCount() {
        String nullCount = ROW.replace("\"responses\": 10", "\"responses\": null");

        assertThatThrownBy(() -> json.readValue(nullCount, VersionStats.class))
                .isInstanceOf(MismatchedInputException.class);
    }

    @Test
    void ignoresFieldsAddedByANewerMonitor() throws Exception {
        String newer = ROW.replace("\"deadLetters\": 0", "\"deadLetters\": 0, \"someFutureRate\": 0.5");

        assertThat(json.readValue(newer, VersionStats.class).deadLetters()).isZero();
    }

    @Test
    void rejectsARateOutsideZeroToOne() {
        String bad = ROW.replace("\"thumbsUpRate\": 0.75", "\"thumbsUpRate\": 75");

        assertThatThrownBy(() -> json.readValue(bad, VersionStats.class))
                .isInstanceOf(ValueInstantiationException.class)
                .hasMessageContaining("thumbsUpRate");
    }

    @Test
    void rejectsADocumentWithoutItsList() {
        assertThatThrownBy(() -> json.readValue("{\"rows\": []}", MinutesDocument.class))
                .isInstanceOf(MismatchedInputException.class)
                .hasMessageContaining("minutes");
    }
}
