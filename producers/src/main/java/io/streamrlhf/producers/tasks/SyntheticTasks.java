package io.streamrlhf.producers.tasks;

import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.sft.PromptCompletionCorpus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The two synthetic tasks of the demo stack, with their exact prompt formats (simulated users and
 * judges in {@code producers/} build on these):
 * <ul>
 *   <li>arithmetic: prompt {@code "What is A+B?"} with integers A, B in [0, 20], completion the
 *       decimal sum, nothing else ({@code "What is 3+4?"} → {@code "7"});</li>
 *   <li>polite chat: prompt one of {@link #CHAT_PROMPTS}, completion a short polite reply from
 *       {@link #POLITE_REPLIES} (one sentence or two, ends with punctuation, says please/thank
 *       you/happy to help).</li>
 * </ul>
 */
public final class SyntheticTasks {

    /** Largest operand of the arithmetic task. */
    public static final int MAX_OPERAND = 20;

    /** Prompts of the chat task. */
    public static final List<String> CHAT_PROMPTS = List.of(
            "Hello!",
            "Hi, how are you?",
            "Good morning.",
            "Thanks for your help.",
            "Can you help me?",
            "Goodbye!",
            "What's up?",
            "Nice to meet you.");

    /** Reference polite replies, index-aligned with {@link #CHAT_PROMPTS}. */
    public static final List<String> POLITE_REPLIES = List.of(
            "Hello! How can I help you today?",
            "I'm well, thank you for asking! How can I help?",
            "Good morning! How can I help you today?",
            "You're welcome! Happy to help.",
            "Of course, I'd be happy to help. What do you need?",
            "Goodbye, and thank you for chatting!",
            "Not much, thank you! How can I help you today?",
            "Nice to meet you too! How can I help?");

    private SyntheticTasks() {}

    /** The arithmetic prompt for {@code a + b}. */
    public static String arithmeticPrompt(int a, int b) {
        return "What is " + a + "+" + b + "?";
    }

    /** {@code n} samples, half arithmetic and half chat, in random order. */
    public static List<Sample> mixed(int n, Random random) {
        List<Sample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (random.nextBoolean()) {
                int a = random.nextInt(MAX_OPERAND + 1);
                int b = random.nextInt(MAX_OPERAND + 1);
                out.add(new Sample(arithmeticPrompt(a, b), Integer.toString(a + b)));
            } else {
                int k = random.nextInt(CHAT_PROMPTS.size());
                out.add(new Sample(CHAT_PROMPTS.get(k), POLITE_REPLIES.get(k)));
            }
        }
        return out;
    }

    /** Writes {@code n} mixed samples as a tab-separated corpus. */
    public static void writeCorpus(Path file, int n, long seed) throws IOException {
        List<String> lines = new ArrayList<>(n + 1);
        lines.add("# prompt<TAB>completion: synthetic arithmetic and polite chat, seed " + seed);
        for (Sample s : mixed(n, new Random(seed))) {
            lines.add(PromptCompletionCorpus.toTsv(s));
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    /** Command line: {@code SyntheticTasks <file> [lines=2000] [seed=1]}. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: SyntheticTasks <file> [lines] [seed]");
            System.exit(2);
        }
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1L;
        writeCorpus(Path.of(args[0]), n, seed);
        System.out.println("wrote " + n + " lines to " + args[0]);
    }
}
