package dev.idempotency.jdbc.spring;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.jdbc.JdbcIdempotencyStore;

/**
 * Deletes expired records every {@code interval} on a daemon thread of its own ({@code idempotency-jdbc-purge}), in
 * batches of {@code batchSize} until fewer are left, at most {@link #MAX_BATCHES_PER_RUN} batches a run. A failure is
 * logged and the next run tries again. Closed with the application context.
 */
final class PurgeSchedule implements AutoCloseable {

    /** A run stops after this many full batches, so that one run never holds the thread for long. */
    static final int MAX_BATCHES_PER_RUN = 100;

    private static final Logger log = LoggerFactory.getLogger(PurgeSchedule.class);

    private final JdbcIdempotencyStore store;
    private final int batchSize;
    private final Clock clock;
    private final Duration interval;
    private final ScheduledExecutorService executor;
    /** The executor's one thread, joined at close: a terminated executor's thread may still be on its way out. */
    private volatile Thread thread;

    private PurgeSchedule(JdbcIdempotencyStore store, Duration interval, int batchSize, Clock clock) {
        this.store = store;
        this.interval = interval;
        this.batchSize = batchSize;
        this.clock = clock;
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread made = new Thread(runnable, "idempotency-jdbc-purge");
            made.setDaemon(true);
            thread = made;
            return made;
        });
    }

    static PurgeSchedule start(JdbcIdempotencyStore store, Duration interval, int batchSize, Clock clock) {
        PurgeSchedule schedule = new PurgeSchedule(store, interval, batchSize, clock);
        long millis = Math.max(1, interval.toMillis());
        schedule.executor.scheduleWithFixedDelay(schedule::run, millis, millis, TimeUnit.MILLISECONDS);
        return schedule;
    }

    /** One run: batches until one comes back short. */
    void run() {
        int total = 0;
        try {
            for (int batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
                int deleted = store.purgeExpired(clock.instant(), batchSize);
                total += deleted;
                if (deleted < batchSize) {
                    log.debug("Purged {} expired idempotency records from table '{}'", total, store.tableName());
                    return;
                }
            }
            log.info("Purged {} expired idempotency records from table '{}'; more remain for the next run in {}",
                    total, store.tableName(), interval);
        } catch (RuntimeException e) {
            log.warn("Purging expired idempotency records from table '{}' failed after {} deleted; the next run is in"
                    + " {}", store.tableName(), total, interval, e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        executor.shutdownNow();
        Thread worker = thread;
        if (!executor.awaitTermination(10, TimeUnit.SECONDS) || worker != null && !join(worker)) {
            log.warn("The idempotency purge thread did not stop within 10 s");
        }
    }

    private static boolean join(Thread worker) throws InterruptedException {
        worker.join(10_000);
        return !worker.isAlive();
    }
}
