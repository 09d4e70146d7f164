package dev.idempotency.jdbc.spring;

import java.time.Clock;
import java.time.Duration;

import javax.sql.DataSource;

import org.springframework.beans.factory.NoUniqueBeanDefinitionException;

import dev.idempotency.jdbc.JdbcIdempotencyStore;
import dev.idempotency.jdbc.JdbcIdempotencyTable;
import dev.idempotency.spring.IdempotencyStoreProvider;
import dev.idempotency.spring.IdempotencyStoreProviderContext;
import dev.idempotency.store.IdempotencyStore;

/**
 * {@code idempotency.store.type=jdbc} in Spring, from the {@code idempotency.jdbc.*} properties: the store on the
 * application's {@link DataSource} bean. Found through this module's {@code META-INF/spring.factories}; applications
 * do not use it directly.
 */
public final class JdbcStoreProvider implements IdempotencyStoreProvider {

    /** How often expired records are purged by default, with {@code purge.enabled=true}. */
    static final Duration DEFAULT_PURGE_INTERVAL = Duration.ofMinutes(10);
    /** How many records one purge statement deletes at most by default. */
    static final int DEFAULT_PURGE_BATCH_SIZE = 1_000;

    static final String TABLE_NAME = "idempotency.jdbc.table-name";
    static final String CREATE_TABLE = "idempotency.jdbc.create-table";
    static final String TRANSACTIONAL_COMPLETION = "idempotency.jdbc.transactional-completion";
    static final String TIMEOUT = "idempotency.jdbc.timeout";
    static final String PURGE_ENABLED = "idempotency.jdbc.purge.enabled";
    static final String PURGE_INTERVAL = "idempotency.jdbc.purge.interval";
    static final String PURGE_BATCH_SIZE = "idempotency.jdbc.purge.batch-size";

    @Override
    public String type() {
        return "jdbc";
    }

    /**
     * The store on the application's DataSource; creates the table first and starts the purge schedule when asked
     * to, and with transactional completion checks first that the transaction manager and the advice order can give
     * its guarantee.
     */
    @Override
    public IdempotencyStore create(IdempotencyStoreProviderContext context) {
        String tableName = context.text(TABLE_NAME);
        boolean createTable = context.bool(CREATE_TABLE, false);
        boolean transactionalCompletion = context.bool(TRANSACTIONAL_COMPLETION, false);
        boolean purge = context.bool(PURGE_ENABLED, false);
        Duration interval = context.duration(PURGE_INTERVAL);
        Duration timeout = context.duration(TIMEOUT);
        int batchSize = context.positiveInt(PURGE_BATCH_SIZE, DEFAULT_PURGE_BATCH_SIZE);
        DataSource dataSource = dataSource(context);

        JdbcIdempotencyStore.Builder builder = JdbcIdempotencyStore.builder().dataSource(dataSource);
        if (tableName != null) {
            try {
                builder.tableName(tableName);
            } catch (IllegalArgumentException e) {
                throw IdempotencyStoreProviderContext.invalid(TABLE_NAME, tableName, "a plain SQL name such as"
                        + " idempotency or payments.idempotency (letters, digits and '_', not starting with a digit)");
            }
        }
        if (timeout != null) {
            builder.timeout(timeout);
        }
        if (transactionalCompletion) {
            // Asked here: TransactionalCompletionCheck itself needs spring-tx to load.
            if (!isPresent("org.springframework.jdbc.datasource.DataSourceUtils")) {
                throw new IllegalStateException(TRANSACTIONAL_COMPLETION + "=true needs spring-jdbc on the class path,"
                        + " which finds the transaction of a call: add org.springframework:spring-jdbc"
                        + " (spring-boot-starter-jdbc brings it), or turn transactional completion off.");
            }
            TransactionalCompletionCheck.verify(context, dataSource);
        }
        JdbcIdempotencyStore store = builder.transactionalCompletion(transactionalCompletion).build();
        if (createTable) {
            JdbcIdempotencyTable.create(store);
        }
        if (purge) {
            context.closeOnShutdown(PurgeSchedule.start(store,
                    interval != null ? interval : DEFAULT_PURGE_INTERVAL, batchSize, Clock.systemUTC()));
        }
        return store;
    }

    private static boolean isPresent(String className) {
        try {
            Class.forName(className, false, JdbcStoreProvider.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static DataSource dataSource(IdempotencyStoreProviderContext context) {
        DataSource dataSource;
        try {
            dataSource = context.beans(DataSource.class).getIfAvailable();
        } catch (NoUniqueBeanDefinitionException e) {
            throw new IllegalStateException("idempotency.store.type=jdbc uses the application's DataSource bean, but"
                    + " there are " + e.getNumberOfBeansFound() + " (" + e.getBeanNamesFound() + ") and none is"
                    + " @Primary. Mark the one for idempotency records @Primary, or define an IdempotencyStore bean:"
                    + " JdbcIdempotencyStore.builder().dataSource(...).build()", e);
        }
        if (dataSource == null) {
            throw new IllegalStateException("idempotency.store.type=jdbc uses the application's DataSource bean, but"
                    + " there is none. Add spring-boot-starter-jdbc and spring.datasource.url (Spring Boot), or"
                    + " define a DataSource bean.");
        }
        return dataSource;
    }
}
