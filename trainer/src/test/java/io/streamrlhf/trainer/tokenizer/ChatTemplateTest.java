package io.streamrlhf.trainer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link ChatTemplate} renders as Python's Jinja2 does under transformers: each difference between Jinjava and
 * Jinja2 that chat templates run into is shown with plain Jinjava getting it wrong, and Qwen3's own template is
 * rendered byte for byte as Jinja2 renders it.
 */
class ChatTemplateTest {

    private static final List<Map<String, Object>> TWO_TURNS = List.of(
            Map.of("role", "user", "content", "<think>\nplan\n</think>\n\nhi"),
            Map.of("role", "assistant", "content", "b"));

    /**
     * Asserts that ChatTemplate renders {@code expected} (written by hand from Python's semantics), that plain
     * Jinjava does not, and, where python3 with jinja2 is installed, that Jinja2 renders {@code expected} too.
     */
    private static void assertHandled(String template, Map<String, ?> variables, String expected) {
        assertThat(ChatTemplate.of(template, Map.of()).render(variables)).isEqualTo(expected);
        RenderResult plain = new Jinjava(JinjavaConfig.newBuilder()
                        .withTrimBlocks(true)
                        .withLstripBlocks(true)
                        .build())
                .renderForResult(template, new LinkedHashMap<>(variables));
        assertThat(plain.hasErrors() ? "<errors: " + plain.getErrors() + ">" : plain.getOutput())
                .as("plain Jinjava, which this difference is about")
                .isNotEqualTo(expected);
        if (pythonAvailable()) {
            assertThat(PythonJinja.renderOne(template, variables)).as("Jinja2").isEqualTo(expected);
        }
    }

    private static boolean pythonAvailable() {
        try {
            PythonJinja.assumeAvailable();
            return true;
        } catch (org.opentest4j.TestAbortedException e) {
            return false;
        }
    }

    @Test
    void reversesWithAStepSliceThatJinjavaCannotParse() {
        assertHandled(
                "{% for m in messages[::-1] %}{{ m.role }},{% endfor %}",
                Map.of("messages", TWO_TURNS), "assistant,user,");
    }

    @Test
    void slicesStringsAndListsWithPythonBounds() {
        assertHandled(
                "{{ 'abcdef'[1:-1] }}|{{ 'abcdef'[::2] }}|{{ 'abcdef'[-2:] }}|{{ (messages[1:] | length) }}|"
                        + "{{ 'abc'[5:] }}|{{ 'abcdef'[4:1:-1] }}",
                Map.of("messages", TWO_TURNS),
                "bcde|ace|ef|1||edc");
    }

    @Test
    void startsAndEndsWithAsPythonStringMethods() {
        assertHandled(
                "{{ messages[0].content.startswith('<think>') }} {{ messages[0].content.endswith('hi') }}"
                        + " {{ messages[1].content.startswith(('x', 'b')) }}",
                Map.of("messages", TWO_TURNS),
                "True True True");
    }

    @Test
    void stripsTheGivenCharactersOrWhitespace() {
        assertHandled(
                "[{{ '\\n\\nab\\n'.lstrip('\\n') }}][{{ 'xxhixy'.strip('xy') }}][{{ ' a \\t'.rstrip() }}][{{ '\\n a\\n'.strip() }}]",
                Map.of(),
                "[ab\n][hi][ a][a]");
    }

    @Test
    void splitsOnALiteralSeparatorNotARegularExpression() {
        assertHandled(
                "{{ 'a|b||c'.split('|')[-1] }} {{ 'a.b'.split('.') | length }} {{ ' x  y '.split() | length }}"
                        + " {{ 'a,b,c'.split(',', 1)[1] }}",
                Map.of(),
                "c 2 2 b,c");
    }

    @Test
    void splitsThinkingFromAnswerAsQwen3Does() {
        String qwen3 = "{%- set c = messages[0].content %}"
                + "{{- c.split('</think>')[-1].lstrip('\\n') }}|"
                + "{{- c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}";
        assertHandled(qwen3, Map.of("messages", TWO_TURNS), "hi|plan");
    }

    @Test
    void namespaceArgumentsBindWholeExpressions() {
        assertHandled(
                "{%- set ns = namespace(flag=true, last=messages|length - 1) %}"
                        + "{%- for m in messages %}{%- if m.role == 'user' %}{%- set ns.flag = false %}{%- endif %}{%- endfor %}"
                        + "{{ ns.flag }} {{ ns.last }}",
                Map.of("messages", TWO_TURNS), "False 1");
    }

    @Test
    void tojsonIsPythonJsonDumps() {
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("name", "get_weather");
        tool.put("description", "Météo <b>\"now\"</b>");
        tool.put("parameters", Map.of("required", List.of("city")));
        tool.put("strict", true);
        tool.put("limit", 3);
        assertHandled(
                "{{ tool | tojson }}",
                Map.of("tool", tool),
                "{\"name\": \"get_weather\", \"description\": \"Météo <b>\\\"now\\\"</b>\", "
                        + "\"parameters\": {\"required\": [\"city\"]}, \"strict\": true, \"limit\": 3}");
        assertHandled("{{ [1, 'a'] | tojson(indent=2) }}", Map.of(), "[\n  1,\n  \"a\"\n]");
    }

    @Test
    void printsBooleansListsAndDictsAsPythonDoes() {
        assertHandled(
                "{{ true }} {{ false }} {{ [1, 'a', \"it's\", none] }} {{ {'k': [true]} }} {{ 2.0 }}",
                Map.of(),
                "True False [1, 'a', \"it's\", None] {'k': [True]} 2.0");
    }

    /** The one difference kept: Jinjava cannot tell {@code none} from undefined, and prints both as nothing. */
    @Test
    void printsNoneAsNothingLikeAnUndefinedValue() {
        assertThat(ChatTemplate.of("[{{ none }}][{{ missing }}]", Map.of()).render(Map.of()))
                .isEqualTo("[][]");
        if (pythonAvailable()) {
            assertThat(PythonJinja.renderOne("[{{ none }}][{{ missing }}]", Map.of()))
                    .isEqualTo("[None][]");
        }
    }

    @Test
    void printsControlCharactersAsTheyAre() {
        assertThat(ChatTemplate.of("{{ messages[0].content }}", Map.of())
                        .render(List.of(ChatMessage.user("a\u001eb\u0006c\u0000")), false, null))
                .isEqualTo("a\u001eb\u0006c\u0000");
    }

    @Test
    void neverInterpretsTemplateSyntaxInsideAMessage() {
        assertHandled(
                "{{ messages[0].content }}",
                Map.of("messages", List.of(Map.of("role", "user", "content", "{{ 7 * 6 }} {% if x %}"))),
                "{{ 7 * 6 }} {% if x %}");
    }

    @Test
    void raiseExceptionFailsTheRenderWithTheTemplatesMessage() {
        ChatTemplate template = ChatTemplate.of(
                "{% if messages[0].role != 'user' %}{{ raise_exception('Conversation must start with user') }}{% endif %}ok",
                Map.of());
        assertThat(template.render(List.of(ChatMessage.user("x")), false, null)).isEqualTo("ok");
        assertThatThrownBy(() -> template.render(List.of(ChatMessage.assistant("x")), false, null))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("Conversation must start with user");
        if (pythonAvailable()) {
            assertThat(PythonJinja.render(
                                    template.source(),
                                    List.of(Map.of("messages", List.of(Map.of("role", "assistant")))))
                            .get(0)
                            .error())
                    .contains("Conversation must start with user");
        }
    }

    @Test
    void aSyntaxErrorFailsInsteadOfRenderingPartText() {
        assertThatThrownBy(
                        () -> ChatTemplate.of("before{% if %}after", Map.of()).render(Map.of()))
                .isInstanceOf(ChatTemplateException.class);
    }

    @Test
    void rendersTheSameFromSeveralThreadsAtOnce() throws Exception {
        ChatTemplate template = ChatTemplate.of(qwen3Template(), Map.of("eos_token", "<|im_end|>"));
        List<ChatMessage> base = List.of(ChatMessage.system("s"), ChatMessage.user("u"), ChatMessage.assistant("a"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        String user = "thread " + thread + " turn " + i;
                        String text = template.render(List.of(base.get(0), ChatMessage.user(user)), true, null);
                        if (!text.equals("<|im_start|>system\ns<|im_end|>\n<|im_start|>user\n" + user
                                + "<|im_end|>\n<|im_start|>assistant\n")) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> run : runs) {
                assertThat(run.get(60, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rewriteLeavesTextListsAndIndexesAlone() {
        assertThat(ChatTemplate.rewrite("a[::-1] {{ x[0] + [1, 2][1] + y['k:v'] }} {{ s[1:] }}"))
                .isEqualTo(
                        "a[::-1] {{ ( x[0] + [1, 2][1] + y['k:v'] )|py_str }} {{ ( s.py_slice(1, none, none) )|py_str }}");
        assertThat(ChatTemplate.rewrite("{%- set ns = namespace(a=true, b=n - 1) %}"))
                .isEqualTo("{%- set ns = namespace(a=(true), b=(n - 1)) %}");
    }

    // Qwen3's own template against Jinja2, byte for byte.

    private static String qwen3Template() throws IOException {
        return new ObjectMapper()
                .readTree(Files.readString(Qwen3TestData.modelDir().resolve("tokenizer_config.json")))
                .path("chat_template")
                .asText();
    }

    private static Map<String, Object> conversation(
            List<ChatMessage> messages, boolean addGenerationPrompt, Boolean thinking) {
        Map<String, Object> v = new LinkedHashMap<>();
        List<Map<String, Object>> turns = new ArrayList<>();
        for (ChatMessage m : messages) {
            turns.add(Map.of("role", m.role(), "content", m.content()));
        }
        v.put("messages", turns);
        v.put("add_generation_prompt", addGenerationPrompt);
        if (thinking != null) {
            v.put("enable_thinking", thinking);
        }
        v.put("eos_token", "<|im_end|>");
        return v;
    }

    private record Case(List<ChatMessage> messages, boolean addGenerationPrompt, Boolean thinking) {}

    @Test
    void rendersQwen3ConversationsExactlyAsJinja2() throws IOException {
        PythonJinja.assumeAvailable();
        List<Case> cases = List.of(
                new Case(List.of(ChatMessage.system("You are terse."), ChatMessage.user("What is 3+4?")), true, null),
                new Case(List.of(ChatMessage.user("Hi")), false, null),
                new Case(
                        List.of(
                                ChatMessage.system("Be kind."),
                                ChatMessage.user("Name a prime."),
                                ChatMessage.assistant("7"),
                                ChatMessage.user("Another?")),
                        true,
                        null),
                new Case(List.of(ChatMessage.user("Quick answer: 2+2?")), true, false),
                new Case(List.of(ChatMessage.user("Think first: 2+2?")), true, true),
                new Case(
                        List.of(
                                ChatMessage.user("2+2?"),
                                ChatMessage.assistant("<think>\nTwo and two.\n</think>\n\n4")),
                        false,
                        null),
                new Case(
                        List.of(
                                ChatMessage.user("2+2?"),
                                ChatMessage.assistant("<think>\nTwo and two.\n</think>\n\n4"),
                                ChatMessage.user("And 3+3?"),
                                ChatMessage.assistant("<think>\n\nThree and three.\n\n</think>\n\n\n6")),
                        false,
                        null),
                new Case(
                        List.of(
                                ChatMessage.user("Look it up"),
                                ChatMessage.assistant("Calling the tool."),
                                ChatMessage.user("<tool_response>\n42\n</tool_response>"),
                                ChatMessage.assistant("<think>\nThe tool says 42.\n</think>\n\nIt is 42.")),
                        true,
                        false),
                new Case(
                        List.of(
                                ChatMessage.system("Réponds en français « poliment »."),
                                ChatMessage.user("Ça va? 😀 \"quotes\" and 'apostrophes' {{ not a tag }}"),
                                ChatMessage.assistant("Très bien.")),
                        true,
                        null));
        String source = qwen3Template();
        ChatTemplate template = ChatTemplate.of(source, Map.of("eos_token", "<|im_end|>"));
        List<Map<String, ?>> variables = new ArrayList<>();
        for (Case c : cases) {
            variables.add(conversation(c.messages(), c.addGenerationPrompt(), c.thinking()));
        }
        List<PythonJinja.Rendered> expected = PythonJinja.render(source, variables);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            assertThat(expected.get(i).error()).as("Jinja2 error in case %d", i).isNull();
            assertThat(template.render(c.messages(), c.addGenerationPrompt(), c.thinking()))
                    .as("case %d: %s", i, c)
                    .isEqualTo(expected.get(i).text());
        }
        // The hand-checkable parts of Qwen3's format, so that the comparison cannot pass on two equally wrong renders.
        assertThat(expected.get(0).text())
                .isEqualTo("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nWhat is 3+4?<|im_end|>\n"
                        + "<|im_start|>assistant\n");
        assertThat(expected.get(3).text())
                .isEqualTo(
                        "<|im_start|>user\nQuick answer: 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
        assertThat(expected.get(6).text())
                .isEqualTo("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n"
                        + "<|im_start|>user\nAnd 3+3?<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\nThree and three.\n</think>\n\n6<|im_end|>\n");
    }

    @Test
    void rendersQwen3ToolsAndToolCallsExactlyAsJinja2() throws IOException {
        PythonJinja.assumeAvailable();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("city", ordered("type", "string", "description", "Città, e.g. \"Zürich\""));
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", "get_weather");
        function.put("description", "Weather <now> & later");
        function.put("parameters", ordered("type", "object", "properties", properties));
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("name", "get_weather");
        call.put("arguments", ordered("city", "Zürich"));
        Map<String, Object> assistant = new LinkedHashMap<>();
        assistant.put("role", "assistant");
        assistant.put("content", "");
        assistant.put("tool_calls", List.of(ordered("type", "function", "function", call)));
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("tools", List.of(ordered("type", "function", "function", function)));
        v.put(
                "messages",
                List.of(
                        ordered("role", "system", "content", "Use tools."),
                        ordered("role", "user", "content", "Weather in Zürich?"),
                        assistant,
                        ordered("role", "tool", "content", "{\"temp\": 21}"),
                        ordered("role", "tool", "content", "sunny")));
        v.put("add_generation_prompt", true);
        v.put("eos_token", "<|im_end|>");
        String source = qwen3Template();
        String python = PythonJinja.renderOne(source, v);
        assertThat(ChatTemplate.of(source, Map.of()).render(v)).isEqualTo(python);
        assertThat(python)
                .contains("{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"")
                .contains(
                        "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\"}}\n</tool_call>")
                .contains(
                        "<|im_start|>user\n<tool_response>\n{\"temp\": 21}\n</tool_response>\n<tool_response>\nsunny");
    }

    /** A map that keeps the order of its keys, as Python's dict does, so the expected JSON is deterministic. */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    @Test
    void rendersTheByteTokenizersTemplateAsJinja2() {
        PythonJinja.assumeAvailable();
        ChatTemplate template =
                ChatTemplate.of(ByteTokenizerFiles.CHAT_TEMPLATE, Map.of("bos_token", ByteTokenizerFiles.BOS));
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("messages", List.of(Map.of("role", "user", "content", "What is 3+4?")));
        v.put("add_generation_prompt", true);
        v.put("bos_token", ByteTokenizerFiles.BOS);
        String python = PythonJinja.renderOne(ByteTokenizerFiles.CHAT_TEMPLATE, v);
        assertThat(template.render(List.of(ChatMessage.user("What is 3+4?")), true, null))
                .isEqualTo(python)
                .isEqualTo("<|bos|>What is 3+4?<|sep|>");
    }
}
