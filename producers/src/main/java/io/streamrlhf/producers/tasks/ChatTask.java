package io.streamrlhf.producers.tasks;

import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chat task: a user greets the assistant and introduces themself; a good answer is a short, polite,
 * well-formed greeting.
 *
 * <p>Format (the single source of truth; the trainer's warm-start corpus must use the same):
 * <ul>
 *   <li>prompt: one of {@link #TEMPLATES} with a first name from {@link #NAMES}, for example
 *       {@code "Hi, I am Ana."}; no reference answer</li>
 *   <li>ideal completion: one line, starts with a capital letter, ends with {@code .}, {@code !} or {@code ?},
 *       contains a politeness word ({@link #POLITE_WORDS}), 10 to 60 characters, for example
 *       {@code "Hello Ana, nice to meet you!"}</li>
 *   <li>judgement: format, politeness and length, each pass or fail (see {@code ChatTaste}; users differ a
 *       little in the length they accept)</li>
 * </ul>
 */
public final class ChatTask {

    /** Prompt templates; {@code %s} is the name. */
    public static final List<String> TEMPLATES = List.of(
            "Hi, I am %s.", "Hello, my name is %s.", "Good morning, I'm %s.", "Hey there, I am %s.");
    /** First names used in prompts. */
    public static final List<String> NAMES = List.of(
            "Ana", "Ben", "Chen", "Dara", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jon", "Kim", "Leo", "Mia", "Noor",
            "Omar", "Pia", "Raj", "Sam", "Tess", "Uma", "Vic", "Wen", "Yara", "Zoe");
    /** Words (lower case, whole words or phrases) that make a reply polite. */
    public static final List<String> POLITE_WORDS = List.of(
            "hello", "hi", "welcome", "nice to meet you", "glad", "pleasure", "thank you", "thanks", "please");

    private static final Pattern NAME = Pattern.compile("(?:I am|I'm|my name is) ([A-Z][a-z]+)\\.$");
    private static final List<String> GOOD = List.of(
            "Hello %s, nice to meet you!", "Hi %s! Welcome.", "Welcome, %s. Glad you are here!",
            "Hello %s, how can I help?", "Nice to meet you, %s!");
    private static final List<String> BAD = List.of(
            "ok", "what do you want", "hello %s", "I am a model.", "Go away %s.",
            "Hello %s, nice to meet you! I can tell you many things about many topics, ask me anything you like.");

    /** A fresh prompt (no reference answer). */
    public TaskPrompt next(Random random) {
        String text = String.format(TEMPLATES.get(random.nextInt(TEMPLATES.size())),
                NAMES.get(random.nextInt(NAMES.size())));
        return new TaskPrompt(TaskKind.CHAT, text, null);
    }

    /** The name the user introduced in a prompt of this format, if any. */
    public static Optional<String> nameOf(String promptText) {
        Matcher m = NAME.matcher(promptText == null ? "" : promptText.trim());
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** A completion every default chat taste approves, for warm-start corpora and tests. */
    public static String goodCompletion(String promptText, Random random) {
        return String.format(GOOD.get(random.nextInt(GOOD.size())), nameOf(promptText).orElse("there"));
    }

    /** A completion that fails at least one criterion (format, politeness or length). */
    public static String badCompletion(String promptText, Random random) {
        return String.format(BAD.get(random.nextInt(BAD.size())), nameOf(promptText).orElse("there"));
    }
}
