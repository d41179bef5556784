package io.streamrlhf.app.pipeline;

import io.streamrlhf.config.Settings;
import io.streamrlhf.producers.tasks.ChatTask;
import io.streamrlhf.trainer.config.TrainerKeys;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The settings the one-JVM demo and the learning experiment use where the user set nothing. Each differs from a
 * component's production default for a measured reason:
 * <ul>
 *   <li>{@code trainer.model.dir}: the tiny Llama-architecture directory {@link DemoModel} writes under the data
 *       folder, trained whole ({@code trainer.lora.enabled=false}): its warm start trains every weight, and under
 *       LoRA the reference (the base with the adapters off) would not be the warm-started version 0;</li>
 *   <li>{@code trainer.warmstart.corpus}: the corpus {@link WarmStartCorpus} writes under the data folder, for the
 *       demo's own model only (a model the user names in {@code trainer.model.dir} starts from its own
 *       weights);</li>
 *   <li>{@code trainer.kto.desirable.weight=3}: version 0 is liked about a quarter of the time, and TRL's
 *       guidance for KTO is λ_D·n_D / (λ_U·n_U) in [1, 4/3]; with the default 1, online KTO collapsed the policy
 *       to blank completions within ~60 steps (held-out thumbs-up 26% to 0%), with 3 it rose from 21% to 56%;</li>
 *   <li>{@code trainer.kto.kl.coef=0.05}: the per-token KL anchor toward version 0 for KTO. Without it online
 *       KTO taught the policy to stop ending its answers (share of held-out rollouts ending with the end token 97%
 *       to 0% within 1.5 minutes at lr 1e-4, 100% to 48% in 8 minutes at 3e-5, the thumbs-up rate falling with
 *       it); with it the share stayed at 90-100% for 10 minutes. Online DPO stays at 0: the same anchor held its
 *       chat prompts at 82% liked (best gain +21.9 points against +28.1 without);</li>
 *   <li>{@code trainer.dpo.loss=CODPO} with {@code trainer.dpo.lambda=1}: DPO plus the chosen answer's
 *       length-normalised negative log-likelihood at weight 1 (the RPO term TRL offers as {@code rpo_alpha}). Plain
 *       DPO on the demo's online pairs either stalled with chat near 80% liked (+21 to +22 points after minute 3)
 *       or collapsed (-4.2); with the NLL term three runs gained +25 points or more on average and none collapsed
 *       (docs/learning.md);</li>
 *   <li>{@code trainer.warmstart.steps=1000}: a stronger version 0 (about 90 s of SFT on two cores, once; the
 *       version is cached). After minute 3 of online KTO with the anchor, the gain over version 0 averaged
 *       +20.0 points with 300 steps (no version reached +25) and +29.2 and +27.9 with 1000 (two runs; 65 of 66
 *       and 56 of 65 versions at +25 or more);</li>
 *   <li>{@code kto.settle.delay=2s}: votes settle quickly so feedback reaches a published version within seconds
 *       (the settle delay is most of the way from a thumb to a version; simulated users do not flip their votes,
 *       so a short delay costs the demo no corrections);</li>
 *   <li>{@code kto.user.labels.per.hour=2000}: the 50 simulated users label at machine speed (about 900 labels
 *       each per hour at the demo's rates); under the production cap of 100 the KTO learning curve went flat
 *       at 46.9% from the moment every user had used up the hour, since capped labels carry weight 0;</li>
 *   <li>{@code streams.state.store=IN_MEMORY}: local state fits the heap, and RocksDB's flush on every
 *       exactly-once commit cost a factor of 5 in the streams benchmark;</li>
 *   <li>{@code streams.instanceId=local}: static group membership for the one local Streams instance, so a
 *       restart after {@code kill -9} takes its tasks back at once instead of waiting out the old member's
 *       session (45 s);</li>
 *   <li>{@code prompts.rate.per.second=4}: enough rollouts to keep the trainer busy on two cores;</li>
 *   <li>{@code judge.format.chat} and {@code judge.format.arithmetic}: the mixture of judges checks each task's
 *       own format (a polite one-line reply of 10 to 60 characters; a bare number), as CGPO configures a judge
 *       per task. Without them the judges only bounded length, and the "shortest passing rollout" rule taught
 *       online DPO that "Hello." beats a polite sentence: held-out thumbs-up fell from 28% to 1%.</li>
 *   <li>{@link #canary()}: each new version is a canary first. The production test (margins 0.05, a tenth of
 *       traffic) needs about 5,400 votes per arm to promote a version as good as its parent (seeded simulation,
 *       {@code CanarySampleSizeTest}); the demo's users give about 12 votes a second, so that would take over an
 *       hour. With half the traffic on the canary and margins of 0.10 the median is 1,264 votes per arm (three and
 *       a half minutes at about 6 votes a second per arm), and a version degraded with {@code users.degrade.version} is rolled back at the minimum sample
 *       of 100 votes per arm (well under a minute). {@code canary.enabled=false} turns it off.</li>
 *   <li>{@code canary.judges=length-bounds,banned-phrases}: the canary does not watch the format judge. In the demo
 *       that judge encodes the simulated users' own taste, which the thumbs-up rate already tests, and the held-out
 *       gate checks it (with every other judge) before a version gets any traffic; but versions fail it near half
 *       the time, where a rate needs the most observations, so with it every canary needed about 1,300 to 1,550
 *       verdicts per arm whatever the thumbs showed (seeded simulation, {@code CanarySampleSizeTest}), minutes at
 *       the demo's rollout rate. With the trainer paced by the decisions ({@code trainer.publish.max.undecided})
 *       that would be the pace of learning.</li>
 * </ul>
 */
public final class DemoDefaults {

    private DemoDefaults() {}

    /** One line, capital first, 10-60 characters, ending in . ! or ?, with a polite word: what the users like. */
    static String chatFormat() {
        String polite = ChatTask.POLITE_WORDS.stream().map(Pattern::quote).collect(Collectors.joining("|"));
        return "(?=(?i:.*\\b(?:" + polite + ")\\b))[A-Z][^\\n]{8,58}[.!?]";
    }

    /** The demo's canary settings (see the class comment): on, half the traffic, margins 0.10, ten minutes at most. */
    public static Map<String, String> canary() {
        Map<String, String> canary = new LinkedHashMap<>();
        canary.put("canary.enabled", "true");
        canary.put("canary.share", "0.5");
        canary.put("canary.thumbs.margin", "0.10");
        canary.put("canary.judge.margin", "0.10");
        canary.put("canary.min.samples", "100");
        canary.put("canary.tuning.samples", "1000");
        canary.put("canary.max.duration", "10m");
        return canary;
    }

    /** {@code settings} with the demo defaults filled in where a key is unset. */
    public static Settings apply(Settings settings, Path dataDir) {
        Map<String, String> defaults = new LinkedHashMap<>();
        if (TrainerKeys.MODEL_DIR.find(settings.asMap()).isEmpty()) {
            defaults.put(
                    TrainerKeys.MODEL_DIR.name(), DemoModel.directory(dataDir).toString());
            defaults.put(TrainerKeys.LORA_ENABLED.name(), "false");
            defaults.put(
                    "trainer.warmstart.corpus", dataDir.resolve("warmstart.tsv").toString());
        }
        defaults.put("trainer.kto.desirable.weight", "3");
        defaults.put("trainer.kto.kl.coef", "0.05");
        defaults.put("trainer.dpo.loss", "CODPO");
        defaults.put("trainer.dpo.lambda", "1");
        defaults.put("trainer.warmstart.steps", "1000");
        defaults.put("kto.settle.delay", "2s");
        defaults.put("kto.user.labels.per.hour", "2000");
        defaults.put("streams.state.store", "IN_MEMORY");
        defaults.put("streams.instance.id", "local");
        // Static membership for the demo's other consumer groups too: after kill -9 a restarted member takes its
        // partitions back at once instead of waiting out the dead member's session (45 s).
        defaults.put("users.kafka.group.instance.id", "local-users");
        defaults.put("sampler.kafka.group.instance.id", "local-sampler");
        defaults.put("prompts.rate.per.second", "4");
        defaults.put("judge.format.chat", chatFormat());
        defaults.put("judge.format.arithmetic", "-?\\d{1,7}");
        // Not in canary(): CanaryRollbackIT applies canary() over its own thumbs-only test (it runs no sampler, so
        // no judge gives verdicts there).
        defaults.put("canary.judges", "length-bounds,banned-phrases");
        defaults.putAll(canary());
        return settings.withDefaults(defaults, "demo default");
    }
}
