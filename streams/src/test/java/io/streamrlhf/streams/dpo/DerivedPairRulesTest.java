package io.streamrlhf.streams.dpo;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.streams.avro.DerivedResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DerivedPairRulesTest {

    private static DerivedResponse r(String id, long time, Map<String, Boolean> labels) {
        return DerivedResponse.newBuilder()
                .setResponseId(id)
                .setPrompt("p")
                .setCompletion("c " + id)
                .setPolicyVersion(1)
                .setLabels(labels)
                .setLastTime(time)
                .build();
    }

    @Test
    void polarityIsTheSignOfUpsMinusDowns() {
        assertThat(DerivedPairRules.polarity(r("a", 0, Map.of("u1", true, "u2", true, "u3", false))))
                .isEqualTo(1);
        assertThat(DerivedPairRules.polarity(r("a", 0, Map.of("u1", true, "u2", false))))
                .isZero();
        assertThat(DerivedPairRules.polarity(r("a", 0, Map.of("u1", false)))).isEqualTo(-1);
    }

    @Test
    void pairsTheChangedResponseWithOppositeOnesOldestFirstUpChosen() {
        DerivedResponse down = r("down", 5, Map.of("u", false));
        DerivedResponse up1 = r("up1", 3, Map.of("u", true));
        DerivedResponse up2 = r("up2", 1, Map.of("u", true));
        List<DerivedPairRules.Match> m =
                DerivedPairRules.matches(down, List.of(up1, up2, down), List.of(), (c, x) -> c + ">" + x, 10);
        assertThat(m)
                .extracting(x -> x.chosen().getResponseId() + ">" + x.rejected().getResponseId())
                .containsExactly("up2>down", "up1>down");
    }

    @Test
    void skipsPairsAlreadyEmittedInEitherOrderAndStopsAtTheCap() {
        DerivedResponse up = r("up", 5, Map.of("u", true));
        DerivedResponse d1 = r("d1", 1, Map.of("u", false));
        DerivedResponse d2 = r("d2", 2, Map.of("u", false));
        DerivedResponse d3 = r("d3", 3, Map.of("u", false));
        List<DerivedPairRules.Match> m =
                DerivedPairRules.matches(up, List.of(up, d1, d2, d3), List.of("d1>up"), (c, x) -> c + ">" + x, 1);
        assertThat(m).extracting(x -> x.rejected().getResponseId()).containsExactly("d2");
    }

    @Test
    void marksAMatchOfTwoCopiesOfOneCompletionAndDoesNotCountItTowardTheCap() {
        DerivedResponse up = r("up", 5, Map.of("u", true));
        DerivedResponse copy = DerivedResponse.newBuilder(r("copy", 1, Map.of("u", false)))
                .setCompletion("c up")
                .build();
        DerivedResponse other = r("other", 2, Map.of("u", false));
        List<DerivedPairRules.Match> m =
                DerivedPairRules.matches(up, List.of(up, copy, other), List.of(), (c, x) -> c + ">" + x, 1);
        // the copy (oldest) comes first but is marked; the cap of 1 still admits the real pair
        assertThat(m)
                .extracting(x -> x.rejected().getResponseId() + ":" + x.identical())
                .containsExactly("copy:true", "other:false");
    }

    @Test
    void theSameTextCutOffOnOneSideIsNotACopy() {
        DerivedResponse up = r("up", 5, Map.of("u", true));
        DerivedResponse cut = DerivedResponse.newBuilder(r("cut", 1, Map.of("u", false)))
                .setCompletion("c up")
                .setTruncated(true)
                .build();
        assertThat(DerivedPairRules.matches(up, List.of(up, cut), List.of(), (c, x) -> c + ">" + x, 5))
                .singleElement()
                .satisfies(x -> assertThat(x.identical()).isFalse());
    }

    @Test
    void neutralResponsesPairWithNothing() {
        DerivedResponse neutral = r("n", 1, Map.of());
        assertThat(DerivedPairRules.matches(
                        neutral, List.of(neutral, r("d", 0, Map.of("u", false))), List.of(), (c, x) -> c + x, 5))
                .isEmpty();
    }
}
