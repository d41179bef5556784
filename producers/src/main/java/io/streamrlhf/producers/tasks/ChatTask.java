package io.streamrlhf.producers.tasks;

import java.util.List;
import java.util.Random;

/**
 * The chat task: a short everyday message to the assistant; a good answer is a short, polite, well-formed reply.
 *
 * <p>The prompts are the trainer's warm-start corpus prompts ({@link SyntheticTasks#CHAT_PROMPTS}), the single
 * source of truth; the ideal replies are its {@link SyntheticTasks#POLITE_REPLIES}. Judgement (see
 * {@code ChatTaste}): one line, starts with a capital letter, ends with {@code . ! ?}; contains one of
 * {@link #POLITE_WORDS}; 10 to about 60 characters (users differ a little in the longest reply they accept).
 * Chat prompts carry no reference answer.
 */
public final class ChatTask {

    /** Words and phrases (lower case, matched as whole words) that make a reply polite. */
    public static final List<String> POLITE_WORDS = List.of(
            "please",
            "thank you",
            "thanks",
            "happy to help",
            "how can i help",
            "welcome",
            "hello",
            "hi",
            "good morning",
            "nice to meet you",
            "glad",
            "goodbye");

    private static final List<String> BAD = List.of(
            "ok",
            "what do you want",
            "hello",
            "I am a model.",
            "Go away.",
            "no",
            "Hello! How can I help you today? I can tell you many things about many topics, just ask me.");

    /** A fresh prompt (no reference answer). */
    public TaskPrompt next(Random random) {
        List<String> prompts = SyntheticTasks.CHAT_PROMPTS;
        return new TaskPrompt(TaskKind.CHAT, prompts.get(random.nextInt(prompts.size())), null);
    }

    /** A completion every default chat taste approves: the corpus reply to a corpus prompt, else a stock one. */
    public static String goodCompletion(String promptText, Random random) {
        int index = SyntheticTasks.CHAT_PROMPTS.indexOf(promptText);
        List<String> replies = SyntheticTasks.POLITE_REPLIES;
        return replies.get(index >= 0 ? index : random.nextInt(replies.size()));
    }

    /** A completion that fails at least one criterion (format, politeness or length). */
    public static String badCompletion(String promptText, Random random) {
        return BAD.get(random.nextInt(BAD.size()));
    }
}
