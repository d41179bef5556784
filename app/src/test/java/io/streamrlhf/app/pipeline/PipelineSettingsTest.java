package io.streamrlhf.app.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.config.Settings;
import io.streamrlhf.producers.tasks.TaskGenerator;
import io.streamrlhf.streams.config.CanaryConfig;
import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.sft.PromptCompletionCorpus;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineSettingsTest {

    @Test
    void putsTheClusterAndTheDataFoldersUnderTheirOneKeyEach() {
        Map<String, String> props = PipelineSettings.resolve(
                Settings.of(Map.of("trainer.kto.batch.size", "8")), "k:9092", "http://r:8081", Path.of("/data"));

        assertThat(props)
                .containsOnly(
                        Map.entry("bootstrap.servers", "k:9092"),
                        Map.entry("schema.registry.url", "http://r:8081"),
                        Map.entry(
                                "trainer.checkpoint.dir",
                                Path.of("/data/checkpoints").toString()),
                        Map.entry(
                                "streams.state.dir",
                                Path.of("/data/streams-state").toString()),
                        Map.entry("trainer.kto.batch.size", "8"));
    }

    @Test
    void explicitFoldersWinOverDerivedOnesButTheClusterIsTheOneGiven() {
        Map<String, String> props = PipelineSettings.resolve(
                Settings.of(Map.of("trainer.checkpoint.dir", "/shared/ckpt", "bootstrap.servers", "other:1")),
                "k:9092",
                "http://r:8081",
                Path.of("/data"));

        assertThat(props)
                .containsEntry("trainer.checkpoint.dir", "/shared/ckpt")
                .containsEntry("bootstrap.servers", "k:9092");
    }

    @Test
    void demoDefaultsFillOnlyUnsetKeys() {
        Settings settings =
                DemoDefaults.apply(Settings.of(Map.of("trainer.kto.desirable.weight", "1.5")), Path.of("/d"));

        assertThat(settings.get("trainer.kto.desirable.weight", "")).isEqualTo("1.5");
        assertThat(settings.get("streams.state.store", "")).isEqualTo("IN_MEMORY");
        assertThat(settings.values().get("streams.state.store").source()).isEqualTo("demo default");
        assertThat(settings.values().get("trainer.kto.desirable.weight").source())
                .isEqualTo("code");
        assertThat(settings.get("trainer.warmstart.corpus", ""))
                .isEqualTo(Path.of("/d/warmstart.tsv").toString());
        // the demo's own model: the tiny Llama directory under the data folder, trained whole
        assertThat(settings.get("trainer.model.dir", ""))
                .isEqualTo(Path.of("/d/demo-tiny-llama").toString());
        assertThat(settings.get("trainer.lora.enabled", "")).isEqualTo("false");
        // DPO with the chosen answer's NLL at weight 1
        assertThat(settings.get("trainer.dpo.loss", "")).isEqualTo("CODPO");
        assertThat(settings.get("trainer.dpo.lambda", "")).isEqualTo("1");
    }

    @Test
    void theDemoPacesItsTrainerByTheCanaryAndWatchesTheJudgesTheThumbsDoNotCover() {
        Map<String, String> props = PipelineSettings.resolve(
                DemoDefaults.apply(Settings.of(Map.of()), Path.of("/d")), "k:9092", "http://r:8081", Path.of("/d"));

        TrainerConfig trainer = TrainerConfigFactory.fromProperties(props);
        assertThat(trainer.followDecisions()).isTrue();
        assertThat(trainer.publishMaxUndecided()).isEqualTo(1);
        assertThat(CanaryConfig.fromProperties(props).judges()).containsExactly("length-bounds", "banned-phrases");
        // and with the canary off the trainer publishes on its own clock
        Map<String, String> off = PipelineSettings.resolve(
                DemoDefaults.apply(Settings.of(Map.of("canary.enabled", "false")), Path.of("/d")),
                "k:9092",
                "http://r:8081",
                Path.of("/d"));
        assertThat(TrainerConfigFactory.fromProperties(off).publishMaxUndecided())
                .isZero();
    }

    @Test
    void aModelTheUserNamesGetsNeitherTheWarmStartNorTheDemosModelSettings() {
        Settings settings = DemoDefaults.apply(Settings.of(Map.of("trainer.model.dir", "/m")), Path.of("/d"));

        assertThat(settings.get("trainer.model.dir", "")).isEqualTo("/m");
        assertThat(settings.values()).doesNotContainKeys("trainer.warmstart.corpus", "trainer.lora.enabled");
    }

    @Test
    void demoChatJudgeFormatAcceptsWhatUsersLikeAndRejectsWhatTheyDoNot() {
        java.util.regex.Pattern format =
                java.util.regex.Pattern.compile(DemoDefaults.chatFormat(), java.util.regex.Pattern.DOTALL);
        assertThat(format.matcher("Hello! How can I help you today?").matches()).isTrue();
        assertThat(format.matcher("Of course, I'd be happy to help. What do you need?")
                        .matches())
                .isTrue();
        assertThat(format.matcher("Hello.").matches()).as("too short").isFalse();
        assertThat(format.matcher("Go away now, right now.").matches())
                .as("not polite")
                .isFalse();
        assertThat(format.matcher("hello there, how can i help").matches())
                .as("format")
                .isFalse();
    }

    @Test
    void warmStartCorpusMixesGoodAndBadAnswersAndIsWrittenOnce(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ws.tsv");
        Map<String, String> props = new HashMap<>(Map.of(
                "trainer.warmstart.corpus",
                file.toString(),
                "warmstart.corpus.lines",
                "400",
                "warmstart.good.share",
                "0.5"));

        WarmStartCorpus.ensure(props);
        List<Sample> first = PromptCompletionCorpus.read(file);
        props.put("warmstart.good.share", "1.0");
        WarmStartCorpus.ensure(props);

        assertThat(first).hasSize(400);
        assertThat(PromptCompletionCorpus.read(file)).isEqualTo(first);
        long correctSums = first.stream()
                .filter(s -> s.prompt().startsWith("What is "))
                .filter(s -> s.completion().equals(sum(s.prompt())))
                .count();
        long arithmetic =
                first.stream().filter(s -> s.prompt().startsWith("What is ")).count();
        assertThat((double) correctSums / arithmetic).isBetween(0.35, 0.65);
    }

    @Test
    void samplesAreAllGoodWhenTheGoodShareIsOne() {
        List<Sample> samples = WarmStartCorpus.samples(200, 1.0, new TaskGenerator(1.0, 20), new Random(3));
        assertThat(samples).allSatisfy(s -> assertThat(s.completion()).isEqualTo(sum(s.prompt())));
    }

    @Test
    void refusesAGoodShareOutsideZeroToOne(@TempDir Path dir) {
        assertThatThrownBy(() -> WarmStartCorpus.ensure(
                        Map.of("trainer.warmstart.corpus", dir.resolve("x").toString(), "warmstart.good.share", "1.5")))
                .hasMessageContaining("warmstart.good.share");
    }

    private static String sum(String prompt) {
        String[] parts =
                prompt.substring("What is ".length(), prompt.length() - 1).split("\\+");
        return String.valueOf(Integer.parseInt(parts[0]) + Integer.parseInt(parts[1]));
    }
}
