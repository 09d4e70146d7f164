package dev.idempotency.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.TestDynamoDb;

/** Runs the example as a user does and checks what it tells, so the example cannot rot. */
@ExtendWith(DynaliteExtension.class)
class ExamplesMainIntegrationTest {

    /** What every telling of the story must say, in order. */
    private static final String[] STORY = {
        "- First call with key-A runs: Receipt[paymentId=pay-1, orderId=order-1, amountCents=450]",
        "(charges so far: 1)",
        "- Retry with key-A replays the same receipt without charging: Receipt[paymentId=pay-1, orderId=order-1,",
        "(charges so far: 1)",
        "- A concurrent duplicate of key-B is rejected (HTTP 409)",
        "- The first call of key-B finishes: Receipt[paymentId=pay-2, orderId=order-2",
        "- A duplicate that chose to wait gets the first result: Receipt[paymentId=pay-2, orderId=order-2",
        "(charges so far: 2)",
        "- key-A with a different amount is refused (HTTP 422)",
        "- key-C fails with 'card network timed out'; its key is released",
        "- Retry of key-C runs again and succeeds: Receipt[paymentId=pay-3, orderId=order-3",
        "- First call of key-D: card declined-card was declined (a final answer, kept and replayed)",
        "- Retry of key-D: card declined-card was declined (a final answer, kept and replayed)",
        "- A custom key strategy keys by order and card: Receipt[paymentId=pay-4, orderId=order-5",
        "- The same order and card again replays: Receipt[paymentId=pay-4, orderId=order-5",
        "- A request the strategy cannot key is refused (HTTP 400): IdempotencyKeyException",
        "The card network charged 4 times for 4 paid orders.",
    };

    private static String[] twice(String firstTitle, String secondTitle) {
        String[] both = new String[STORY.length * 2 + 2];
        both[0] = firstTitle;
        System.arraycopy(STORY, 0, both, 1, STORY.length);
        both[STORY.length + 1] = secondTitle;
        System.arraycopy(STORY, 0, both, STORY.length + 2, STORY.length);
        return both;
    }

    @Test
    void tellsTheStoryWithTheProgrammaticApiAndThroughSpringOnTheInMemoryStore() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        ExamplesMain.tell(null, new PrintStream(buffer, true, StandardCharsets.UTF_8));

        assertThat(buffer.toString(StandardCharsets.UTF_8)).containsSubsequence(twice(
                "== Programmatic API, in-memory store ==", "== Spring @Idempotent, in-memory store =="));
    }

    @Test
    void tellsTheSameStoryOnDynamoDb(TestDynamoDb dynamoDb) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        ExamplesMain.tell(dynamoDb.clientBuilder(), new PrintStream(buffer, true, StandardCharsets.UTF_8));

        assertThat(buffer.toString(StandardCharsets.UTF_8)).containsSubsequence(twice(
                "== Programmatic API, DynamoDB table idempotency-example-", "== Spring @Idempotent, DynamoDB table"));
    }
}
