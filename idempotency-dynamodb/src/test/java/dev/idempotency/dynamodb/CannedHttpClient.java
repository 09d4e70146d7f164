package dev.idempotency.dynamodb;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * An HTTP client that answers every request with one canned DynamoDB error, for faults a live server cannot produce
 * on demand (throttling, rejected credentials). The SDK parses and retries the answer as it would a real one.
 */
final class CannedHttpClient implements SdkHttpClient {

    /** How many attempts the clients made here send, the first included. */
    static final int MAX_ATTEMPTS = 3;

    private final int status;
    private final String body;
    private final AtomicInteger requests = new AtomicInteger();

    private CannedHttpClient(int status, String body) {
        this.status = status;
        this.body = body;
    }

    /** Answers with HTTP {@code status} and the error {@code errorCode}, as DynamoDB's JSON protocol writes it. */
    static CannedHttpClient error(int status, String errorCode, String message) {
        return new CannedHttpClient(status, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#" + errorCode
                + "\",\"message\":\"" + message + "\"}");
    }

    /** A DynamoDB client that sends through this one, retrying up to {@link #MAX_ATTEMPTS} attempts at once. */
    DynamoDbClient dynamoDbClient() {
        return DynamoDbClient.builder()
                .httpClient(this)
                .endpointOverride(URI.create("http://127.0.0.1:8000"))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("dummy", "dummy")))
                .overrideConfiguration(o -> o.retryStrategy(b -> b.maxAttempts(MAX_ATTEMPTS)
                        .backoffStrategy(BackoffStrategy.retryImmediately())
                        .throttlingBackoffStrategy(BackoffStrategy.retryImmediately())))
                .build();
    }

    int requests() {
        return requests.get();
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() {
                requests.incrementAndGet();
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                return HttpExecuteResponse.builder()
                        .response(SdkHttpResponse.builder()
                                .statusCode(status)
                                .putHeader("Content-Type", "application/x-amz-json-1.0")
                                .putHeader("Content-Length", Integer.toString(bytes.length))
                                .build())
                        .responseBody(AbortableInputStream.create(new ByteArrayInputStream(bytes)))
                        .build();
            }

            @Override
            public void abort() {
            }
        };
    }

    @Override
    public void close() {
    }
}
