package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.UserErased;
import io.streamrlhf.producers.MockKafka;
import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.producers.config.UserPseudonyms;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may do what on the gateway: hashed keys from a keys file, each bound to a tenant and scopes; user ids
 * namespaced by tenant (and then pseudonymised); per-key rate and in-flight limits; published policy versions only.
 */
class GatewayAccessTest {

    private static final String SECRET = "pseudonym-secret-0123456789";

    @TempDir
    Path dir;

    private MockKafka kafka;
    private IngestionGateway gateway;
    private HttpCalls calls;
    private final PublishedVersions versions = new PublishedVersions();

    private final ApiKeys.Generated acme = ApiKeys.generate(
            "acme-web", "acme", Set.of(Scope.RESPONSES, Scope.FEEDBACK, Scope.ERASE), new SecureRandom());
    private final ApiKeys.Generated globex =
            ApiKeys.generate("globex-web", "globex", Set.of(Scope.FEEDBACK, Scope.ERASE), new SecureRandom());
    private final ApiKeys.Generated readOnly =
            ApiKeys.generate("acme-reader", "acme", Set.of(Scope.POLICY), new SecureRandom());

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private void start(boolean autoComplete, UnaryOperator<GatewayConfig> tune) throws IOException {
        kafka = new MockKafka(autoComplete);
        Path keys = Files.write(
                dir.resolve("gateway-keys.txt"), List.of("# generated", acme.line(), globex.line(), readOnly.line()));
        GatewayConfig config =
                tune.apply(GatewayConfig.defaultsWithKeysFile(keys.toString(), KafkaConnection.of("unused:9092"))
                        .withListener("127.0.0.1", 0)
                        .withResponseIdCheck(GatewayConfig.ResponseIdCheck.OFF));
        ChatFeedbackClient client = new ChatFeedbackClient(
                kafka.publisher, kafka.topics, MockKafka.CLOCK, UserPseudonyms.withSecret(SECRET));
        gateway = new IngestionGateway(config, client, versions).start();
        calls = new HttpCalls(gateway.baseUri());
    }

    private HttpResponse<String> post(String key, String path, String json) {
        return calls.send(calls.request(path)
                .header(ApiKeys.HEADER, key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.replace('\'', '"')))
                .build());
    }

    private HttpResponse<String> erase(String key, String user) {
        return calls.send(calls.request("/v1/users/" + user)
                .header(ApiKeys.HEADER, key)
                .DELETE()
                .build());
    }

    private static String vote(String user) {
        return "{'responseId':'r1','userId':'" + user + "','kind':'THUMBS_UP'}";
    }

    @Test
    void aTenantsKeyCannotVoteAsAnotherTenantsUser() throws IOException {
        start(true, c -> c);
        UserPseudonyms pseudonyms = UserPseudonyms.withSecret(SECRET);

        // when: globex votes as its bob; acme votes as its bob, then tries to pass for globex's bob by name
        assertThat(post(globex.key(), "/v1/feedback", vote("bob")).statusCode()).isEqualTo(202);
        assertThat(post(acme.key(), "/v1/feedback", vote("bob")).statusCode()).isEqualTo(202);
        assertThat(post(acme.key(), "/v1/feedback", vote("globex:bob")).statusCode())
                .isEqualTo(202);

        // then: three different users, none of acme's votes counted for globex's bob
        List<String> users = kafka.sent(kafka.topics.feedback()).stream()
                .map(kv -> kv.value().getUserId())
                .toList();
        assertThat(users)
                .containsExactly(
                        pseudonyms.apply("globex:bob"),
                        pseudonyms.apply("acme:bob"),
                        pseudonyms.apply("acme:globex:bob"));
        assertThat(users).doesNotHaveDuplicates();
    }

    @Test
    void aTenantsEraseKeyReachesOnlyItsOwnUsers() throws IOException {
        start(true, c -> c);
        UserPseudonyms pseudonyms = UserPseudonyms.withSecret(SECRET);
        post(globex.key(), "/v1/feedback", vote("bob"));

        // when: acme erases "bob" and "globex:bob"
        assertThat(erase(acme.key(), "bob").statusCode()).isEqualTo(202);
        assertThat(erase(acme.key(), "globex%3Abob").statusCode()).isEqualTo(202);

        // then: neither erasure names the user globex's vote carries; globex's own erasure does
        String globexBob = kafka.sent(kafka.topics.feedback()).get(0).value().getUserId();
        assertThat(kafka.sent(kafka.topics.erasures()))
                .extracting(kv -> kv.value().getUserId())
                .containsExactly(pseudonyms.apply("acme:bob"), pseudonyms.apply("acme:globex:bob"))
                .doesNotContain(globexBob);
        assertThat(erase(globex.key(), "bob").statusCode()).isEqualTo(202);
        List<MockKafka.KeyValue<UserErased>> erasures = kafka.sent(kafka.topics.erasures());
        assertThat(erasures.get(2).value().getUserId()).isEqualTo(globexBob);
    }

    @Test
    void aKeyWithoutTheEndpointsScopeIsForbiddenAndWritesNothing() throws IOException {
        start(true, c -> c);

        HttpResponse<String> response =
                post(globex.key(), "/v1/responses", "{'promptId':'p','prompt':'What is 1+1?','completion':'2'}");
        HttpResponse<String> feedback = post(readOnly.key(), "/v1/feedback", vote("bob"));
        HttpResponse<String> erasure = erase(readOnly.key(), "bob");

        assertThat(List.of(response, feedback, erasure))
                .extracting(HttpResponse::statusCode)
                .containsOnly(403);
        assertThat(response.body()).contains("lacks the responses scope");
        assertThat(kafka.producer.history()).isEmpty();
    }

    @Test
    void aKeyOverItsRateGets429WithRetryAfterWhileOtherKeysGoOn() throws IOException {
        // one request per 100 s after a burst of 2: the third is refused whatever the machine's speed
        start(true, c -> c.withLimits(c.limits().withRate(0.01, 2)));

        List<Integer> acmeStatuses = List.of(
                post(acme.key(), "/v1/feedback", vote("a")).statusCode(),
                post(acme.key(), "/v1/feedback", vote("b")).statusCode(),
                post(acme.key(), "/v1/feedback", vote("c")).statusCode());
        HttpResponse<String> refused = post(acme.key(), "/v1/feedback", vote("d"));
        HttpResponse<String> other = post(globex.key(), "/v1/feedback", vote("a"));

        assertThat(acmeStatuses).containsExactly(202, 202, 429);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After").map(Long::parseLong))
                .hasValueSatisfying(s -> assertThat(s).isBetween(90L, 100L));
        assertThat(refused.body()).contains("acme-web is over its rate limit");
        assertThat(other.statusCode()).isEqualTo(202);
        assertThat(kafka.sent(kafka.topics.feedback())).hasSize(3);
    }

    @Test
    void oneKeyCannotTakeMoreThanItsInFlightShare() throws IOException {
        start(false, c -> c.withLimits(c.limits().withMaxInFlightPerKey(1)));
        CompletableFuture<HttpResponse<String>> pending =
                CompletableFuture.supplyAsync(() -> post(acme.key(), "/v1/feedback", vote("a")));
        await().until(() -> kafka.producer.history().size() == 1);

        HttpResponse<String> second = post(acme.key(), "/v1/feedback", vote("b"));
        CompletableFuture<HttpResponse<String>> other =
                CompletableFuture.supplyAsync(() -> post(globex.key(), "/v1/feedback", vote("a")));
        await().until(() -> kafka.producer.history().size() == 2);
        kafka.producer.completeNext();
        kafka.producer.completeNext();

        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.body()).contains("acme-web has too many requests in flight (1)");
        assertThat(pending.join().statusCode()).isEqualTo(202);
        assertThat(other.join().statusCode()).isEqualTo(202);
    }

    @Test
    void aResponseMayClaimOnlyAPublishedPolicyVersionOfItsModel() throws IOException {
        start(true, c -> c.withPolicyVersionCheck(GatewayConfig.PolicyVersionCheck.PUBLISHED));
        String response = "{'promptId':'p','prompt':'What is 1+1?','completion':'2','policyVersion':%d%s}";

        HttpResponse<String> beforeCaughtUp = post(acme.key(), "/v1/responses", String.format(response, 1, ""));
        versions.publish("policy", 0);
        versions.publish("policy", 1);
        versions.publish("other", 7);
        versions.markCaughtUp();

        assertThat(beforeCaughtUp.statusCode()).isEqualTo(422);
        assertThat(beforeCaughtUp.body()).contains("retry");
        assertThat(post(acme.key(), "/v1/responses", String.format(response, 1, ""))
                        .statusCode())
                .isEqualTo(202);
        HttpResponse<String> future = post(acme.key(), "/v1/responses", String.format(response, 2, ""));
        HttpResponse<String> huge = post(acme.key(), "/v1/responses", String.format(response, Long.MAX_VALUE, ""));
        HttpResponse<String> otherModels =
                post(acme.key(), "/v1/responses", String.format(response, 1, ",'modelId':'other'"));
        assertThat(List.of(future, huge, otherModels))
                .extracting(HttpResponse::statusCode)
                .containsOnly(422);
        assertThat(future.body()).contains("policyVersion 2 of model 'policy' was never published (latest is 1)");
        assertThat(kafka.sent(kafka.topics.responses())).hasSize(1);
        assertThat(kafka.sent(kafka.topics.feedback())).isEmpty();
    }

    private static List<String> userIds(List<MockKafka.KeyValue<Feedback>> sent) {
        return sent.stream().map(kv -> kv.value().getUserId()).toList();
    }
}
