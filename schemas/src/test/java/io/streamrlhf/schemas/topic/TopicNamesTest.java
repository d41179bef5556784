package io.streamrlhf.schemas.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicNamesTest {

    @Test
    void aBranchRenamesTheStreamsOutputsAndKeepsWhatItReadsAndWhereVersionsGo() {
        TopicNames main = TopicNames.defaults();
        TopicNames branch = main.branch("judge-v2");

        assertThat(branch.ktoExamples()).isEqualTo("rlhf.branch.judge-v2.kto.examples");
        assertThat(branch.dpoPairs()).isEqualTo("rlhf.branch.judge-v2.dpo.pairs");
        assertThat(branch.judgeVerdicts()).isEqualTo("rlhf.branch.judge-v2.judge.verdicts");
        assertThat(branch.deadLetters()).isEqualTo("rlhf.branch.judge-v2.dead-letters");
        assertThat(branch.policyDecisions()).isEqualTo("rlhf.branch.judge-v2.policy.decisions");
        assertThat(branch.canaryEvidence()).isEqualTo("rlhf.branch.judge-v2.canary.evidence");
        assertThat(TopicNames.branchMonitorEvents("judge-v2")).isEqualTo("rlhf.branch.judge-v2.monitor.events");
        assertThat(branch.responses()).isEqualTo(main.responses());
        assertThat(branch.feedback()).isEqualTo(main.feedback());
        assertThat(branch.preferences()).isEqualTo(main.preferences());
        assertThat(branch.prompts()).isEqualTo(main.prompts());
        assertThat(branch.erasures()).isEqualTo(main.erasures());
        assertThat(branch.policyVersions()).isEqualTo(main.policyVersions());
        assertThat(branch.trainerMetrics()).isEqualTo(main.trainerMetrics());
        assertThat(branch.schemas()).isEqualTo(main.schemas());
    }

    @Test
    void aBranchNameHasNoDotSoNoBranchsTopicsShareAnothersPrefix() {
        assertThatThrownBy(() -> TopicNames.defaults().branch("a.b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[A-Za-z0-9_-]");
        assertThatThrownBy(() -> TopicNames.defaults().branch("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TopicNames.defaults().branch("x".repeat(65)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
