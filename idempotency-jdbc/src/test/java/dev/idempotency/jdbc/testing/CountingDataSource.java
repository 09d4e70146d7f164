package dev.idempotency.jdbc.testing;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

/**
 * A DataSource that records every statement executed through its connections, by its first SQL word ({@code WITH},
 * {@code UPDATE}, {@code DELETE}, {@code SELECT}, {@code MERGE}), and every commit and rollback, for exact
 * statement counts. Metadata calls and the pool's own checks are not statements and are not recorded.
 */
public final class CountingDataSource {

    private final DataSource counted;
    private final List<String> statements = new CopyOnWriteArrayList<>();

    public CountingDataSource(DataSource target) {
        this.counted = proxy(DataSource.class, target, (method, args, result) -> {
            if (method.getName().equals("getConnection")) {
                return proxy(Connection.class, result, this::onConnection);
            }
            return result;
        });
    }

    /** The DataSource to give the code under test. */
    public DataSource dataSource() {
        return counted;
    }

    /** The statements executed since the last {@link #reset()}, by first word, plus {@code COMMIT}/{@code ROLLBACK}. */
    public List<String> statements() {
        return List.copyOf(statements);
    }

    public void reset() {
        statements.clear();
    }

    private Object onConnection(Method method, Object[] args, Object result) {
        switch (method.getName()) {
            case "prepareStatement" -> {
                String verb = verb((String) args[0]);
                return proxy(PreparedStatement.class, result, (m, a, r) -> {
                    if (m.getName().startsWith("execute") && (a == null || a.length == 0)) {
                        statements.add(verb);
                    }
                    return r;
                });
            }
            case "createStatement" -> {
                return proxy(Statement.class, result, (m, a, r) -> {
                    if (m.getName().startsWith("execute") && a != null && a.length > 0 && a[0] instanceof String sql) {
                        statements.add(verb(sql));
                    }
                    return r;
                });
            }
            case "commit" -> statements.add("COMMIT");
            case "rollback" -> statements.add("ROLLBACK");
            default -> {
            }
        }
        return result;
    }

    private static String verb(String sql) {
        String trimmed = sql.strip();
        int space = trimmed.indexOf(' ');
        return (space < 0 ? trimmed : trimmed.substring(0, space)).toUpperCase(Locale.ROOT);
    }

    /** What to return after {@code method} returned {@code result} on the target. */
    @FunctionalInterface
    private interface After {
        Object apply(Method method, Object[] args, Object result) throws Exception;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Object target, After after) {
        InvocationHandler handler = (proxy, method, args) -> {
            // A proxy is itself, as a map key (Spring binds transactions to the DataSource) and everywhere else.
            if (method.getName().equals("equals") && args != null && args.length == 1) {
                return proxy == args[0];
            }
            if (method.getName().equals("hashCode") && (args == null || args.length == 0)) {
                return System.identityHashCode(proxy);
            }
            if (method.getName().equals("unwrap") || method.getName().equals("isWrapperFor")) {
                return method.invoke(target, args);
            }
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            return after.apply(method, args, result);
        };
        return (T) Proxy.newProxyInstance(CountingDataSource.class.getClassLoader(), new Class<?>[] {type}, handler);
    }
}
