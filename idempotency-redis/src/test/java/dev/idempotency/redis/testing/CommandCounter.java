package dev.idempotency.redis.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;

/**
 * Counts the commands a Lettuce client sends, by name ({@code EVALSHA}, {@code GET}): add it with
 * {@code client.addListener(counter)}. Each command is one round trip to the server.
 */
public final class CommandCounter implements CommandListener {

    private final ConcurrentMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    @Override
    public void commandStarted(CommandStartedEvent event) {
        counts.computeIfAbsent(event.getCommand().getType().toString(), name -> new AtomicInteger())
                .incrementAndGet();
    }

    /** The commands sent since the last {@link #reset()}, by name. */
    public Map<String, Integer> counts() {
        Map<String, Integer> snapshot = new TreeMap<>();
        counts.forEach((name, count) -> {
            if (count.get() > 0) {
                snapshot.put(name, count.get());
            }
        });
        return snapshot;
    }

    public int total() {
        return counts.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    public void reset() {
        counts.clear();
    }
}
