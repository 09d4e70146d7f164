package dev.idempotency.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.idempotency.testing.Hashes;

class InMemoryIdempotencyStoreTest extends AbstractIdempotencyStoreContractTest {

    @Override
    protected IdempotencyStore createStore() {
        return InMemoryIdempotencyStore.builder().maxResultBytes(64 * 1024).build();
    }

    @Test
    void sweepsExpiredRecordsAwayWhileClaiming() {
        InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.create();
        for (int i = 0; i < 1_000; i++) {
            memory.claim(inProgress("swept#" + i, "t"), now());
        }
        clock.advance(TTL);
        for (int i = 0; i < 4_096; i++) {
            memory.claim(inProgress("fresh#" + i, "t"), now());
        }

        assertThat(memory.size()).isLessThanOrEqualTo(4_096);
    }

    /**
     * The store packs the engine's forms (an id {@code namespace#<64 hex digits>}, a 64-hex-digit fingerprint, a UUID
     * claim token) into numbers, and keeps every other form as given. Either way a record comes back equal, and a
     * token owns a record only when it is the same text.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "engine forms,          ENGINE_ID, ENGINE_FINGERPRINT, ENGINE_TOKEN",
            "upper-case hex,        orders#ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789,"
                    + " ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789,"
                    + " 3F2504E0-4F89-11D3-9A0C-0305E82C3301",
            "one digit short,       orders#bcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789,"
                    + " bcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789, 1-2-3-4-5",
            "no namespace,          #0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,"
                    + " fingerprint, token",
            "hash-like namespace,   0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef#x,"
                    + " 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg,"
                    + " 3f2504e0-4f89-11d3-9a0c-0305e82c330g"
    })
    void keepsRecordsEqualWhateverFormTheirTextsTake(String form, String id, String fingerprint, String token) {
        String recordId = id.equals("ENGINE_ID") ? "orders.place#" + Hashes.sha256("order-1") : id;
        String recordFingerprint = fingerprint.equals("ENGINE_FINGERPRINT") ? Hashes.sha256("{}") : fingerprint;
        String recordToken = token.equals("ENGINE_TOKEN") ? UUID.randomUUID().toString() : token;
        IdempotencyRecord claim = IdempotencyRecord.inProgress(
                recordId, recordFingerprint, recordToken, retainUntil(now()), now().plus(LEASE));

        assertThat(store.claim(claim, now()).isClaimed()).as(form).isTrue();
        assertThat(store.find(recordId)).as(form).contains(claim);
        assertThat(store.claim(claim, now()).existing()).as(form).isEqualTo(claim);
        assertThat(store.release(recordId, recordToken.toUpperCase())).as(form)
                .isEqualTo(recordToken.equals(recordToken.toUpperCase()));
    }

    @Test
    void keepsTheSameHashInTwoNamespacesApart() {
        String hash = Hashes.sha256("order-1");
        IdempotencyRecord place = IdempotencyRecord.inProgress("orders.place#" + hash, Hashes.sha256("a"),
                UUID.randomUUID().toString(), retainUntil(now()), now().plus(LEASE));
        IdempotencyRecord refund = IdempotencyRecord.inProgress("orders.refund#" + hash, Hashes.sha256("b"),
                UUID.randomUUID().toString(), retainUntil(now()), now().plus(LEASE));

        assertThat(store.claim(place, now()).isClaimed()).isTrue();
        assertThat(store.claim(refund, now()).isClaimed()).isTrue();

        assertThat(store.find(place.id())).contains(place);
        assertThat(store.find(refund.id())).contains(refund);
        IdempotencyRecord done = place.finish(RecordStatus.COMPLETED, bytes("receipt"), retainUntil(now()));
        assertThat(store.complete(done)).isTrue();
        assertThat(store.release(refund.id(), refund.claimToken())).isTrue();
        assertThat(store.find(place.id())).contains(done);
        assertThat(store.find(refund.id())).isEmpty();
    }

    @Test
    void rejectsANonPositiveResultLimit() {
        assertThatThrownBy(() -> InMemoryIdempotencyStore.builder().maxResultBytes(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxResultBytes must be positive, but was 0");
    }
}
