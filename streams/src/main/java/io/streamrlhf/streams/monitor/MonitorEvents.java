package io.streamrlhf.streams.monitor;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.JudgeVerdict;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.avro.MonitorEvent;
import io.streamrlhf.streams.avro.MonitorKind;
import io.streamrlhf.streams.common.Sourced;

/** The monitor events of each kind of record the topologies see or emit. */
public final class MonitorEvents {

    private MonitorEvents() {}

    /** A valid response: counted with its completion length. */
    public static MonitorEvent forResponse(Sourced<ResponseGenerated> r) {
        return new MonitorEvent(r.value().getPolicyVersion(), MonitorKind.RESPONSE, (double)
                r.value().getCompletion().length());
    }

    /** An emitted KTO example, capped or counted. */
    public static MonitorEvent forExample(KtoDecision d) {
        return new MonitorEvent(
                d.getPolicyVersion(), d.getCapped() ? MonitorKind.EXAMPLE_CAPPED : MonitorKind.EXAMPLE, d.getWeight());
    }

    /** An emitted DPO pair, attributed to the chosen completion's version. */
    public static MonitorEvent forPair(DpoPair p) {
        MonitorKind kind = switch (p.getSource()) {
            case HUMAN -> MonitorKind.PAIR_HUMAN;
            case DERIVED -> MonitorKind.PAIR_DERIVED;
            case JUDGE -> MonitorKind.PAIR_JUDGE;
        };
        return new MonitorEvent(p.getChosenPolicyVersion(), kind, 1.0);
    }

    /** A judge verdict: pass or fail. */
    public static MonitorEvent forVerdict(JudgeVerdict v) {
        return new MonitorEvent(
                v.getPolicyVersion(), v.getPassedAll() ? MonitorKind.JUDGE_PASS : MonitorKind.JUDGE_FAIL, v.getScore());
    }
}
