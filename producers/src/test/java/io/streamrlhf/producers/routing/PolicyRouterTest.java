package io.streamrlhf.producers.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DecisionOutcome;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyRouterTest {

    private static final String MODEL = "policy";

    private static CanaryDecision decision(long version, DecisionOutcome outcome) {
        return CanaryDecision.newBuilder()
                .setDecisionId(MODEL + "/" + version + "/" + outcome)
                .setModelId(MODEL)
                .setVersion(version)
                .setOutcome(outcome)
                .setStartedTime(Instant.EPOCH)
                .setDecidedTime(Instant.EPOCH)
                .build();
    }

    private static RoutingTable after(CanaryDecision... log) {
        RoutingTable t = new RoutingTable();
        for (CanaryDecision d : log) {
            t.apply(d);
        }
        return t;
    }

    @Test
    void followsPromotionsCanariesAndRollbacksInLogOrder() {
        RoutingTable t = new RoutingTable();
        assertThat(t.route(MODEL)).isEmpty();
        t.apply(decision(0, DecisionOutcome.PROMOTED));
        assertThat(t.route(MODEL)).contains(new Route(MODEL, 0, -1));
        t.apply(decision(1, DecisionOutcome.STARTED));
        assertThat(t.route(MODEL)).contains(new Route(MODEL, 0, 1));
        t.apply(decision(1, DecisionOutcome.ROLLED_BACK));
        assertThat(t.route(MODEL)).as("traffic returns to the parent").contains(new Route(MODEL, 0, -1));
        t.apply(decision(2, DecisionOutcome.SUPERSEDED));
        t.apply(decision(3, DecisionOutcome.STARTED));
        t.apply(decision(3, DecisionOutcome.PROMOTED));
        assertThat(t.route(MODEL)).contains(new Route(MODEL, 3, -1));
    }

    @Test
    void replayingTheLogOrReadingADecisionTwiceGivesTheSameRoutes() {
        List<CanaryDecision> log = List.of(
                decision(0, DecisionOutcome.PROMOTED),
                decision(1, DecisionOutcome.STARTED),
                decision(1, DecisionOutcome.PROMOTED),
                decision(2, DecisionOutcome.STARTED));
        RoutingTable once = after(log.toArray(CanaryDecision[]::new));
        RoutingTable twice = after(log.toArray(CanaryDecision[]::new));
        log.forEach(twice::apply);
        assertThat(twice.route(MODEL)).isEqualTo(once.route(MODEL)).contains(new Route(MODEL, 1, 2));
    }

    @Test
    void givesTheCanaryToAboutItsShareOfUsersAndTheSameAnswerEveryTime() {
        PolicyRouter router = new PolicyRouter(
                after(decision(4, DecisionOutcome.PROMOTED), decision(5, DecisionOutcome.STARTED)), 0.2);
        int users = 10_000;
        int onCanary = 0;
        for (int u = 0; u < users; u++) {
            long v = router.versionFor(MODEL, "user-" + u).orElseThrow();
            assertThat(v).isIn(4L, 5L);
            assertThat(router.versionFor(MODEL, "user-" + u)).contains(v);
            onCanary += v == 5 ? 1 : 0;
        }
        // Binomial(10000, 0.2): standard deviation 40, so +-4 sd is 1840..2160.
        assertThat(onCanary).isBetween(1840, 2160);
    }

    @Test
    void sendsEveryoneToThePromotedVersionWhenNoCanaryRunsAndNobodyAtShareZero() {
        RoutingTable t = after(decision(4, DecisionOutcome.PROMOTED));
        assertThat(new PolicyRouter(t, 1.0).versionFor(MODEL, "u")).contains(4L);
        t.apply(decision(5, DecisionOutcome.STARTED));
        for (int u = 0; u < 1000; u++) {
            assertThat(new PolicyRouter(t, 0.0).versionFor(MODEL, "user-" + u)).contains(4L);
        }
        assertThat(new PolicyRouter(t, 1.0).versionFor(MODEL, "u")).contains(5L);
        assertThat(new PolicyRouter(t, 0.5).versionForDraw(MODEL, 0.49)).contains(5L);
        assertThat(new PolicyRouter(t, 0.5).versionForDraw(MODEL, 0.5)).contains(4L);
    }

    @Test
    void refusesAShareOutsideZeroToOne() {
        assertThatThrownBy(() -> new PolicyRouter(new RoutingTable(), 1.5)).hasMessageContaining("canary.share");
    }
}
