package dev.idempotency.jdbc.spring;

import java.lang.reflect.Method;
import java.util.List;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.interceptor.BeanFactoryTransactionAttributeSourceAdvisor;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.ResourceTransactionManager;

import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.IdempotencyStoreProviderContext;

/**
 * What transactional completion needs from the application, checked at startup: spring-jdbc, a transaction manager on
 * the store's DataSource (with transaction synchronization, which the completion joins through), and the idempotency
 * advice inside the {@code @Transactional} advice. Without any of them the guarantee (the transaction's rows and the
 * completed record commit together) cannot hold, so the application does not start.
 */
final class TransactionalCompletionCheck {

    static final String PROPERTY = JdbcStoreProvider.TRANSACTIONAL_COMPLETION + "=true";

    private TransactionalCompletionCheck() {
    }

    /** Call only where spring-jdbc is on the class path (the provider asks): this class needs spring-tx. */
    static void verify(IdempotencyStoreProviderContext context, DataSource dataSource) {
        verifyTransactionManager(context, dataSource);
        verifyAdviceOrder(context);
    }

    private static void verifyTransactionManager(IdempotencyStoreProviderContext context, DataSource dataSource) {
        List<PlatformTransactionManager> managers = context.beans(PlatformTransactionManager.class).stream().toList();
        DataSource target = unwrap(dataSource);
        List<PlatformTransactionManager> onTheStores = managers.stream()
                .filter(manager -> dataSourceOf(manager) instanceof DataSource managed
                        && target.equals(unwrap(managed))).toList();
        for (PlatformTransactionManager manager : onTheStores) {
            if (manager instanceof AbstractPlatformTransactionManager platform
                    && platform.getTransactionSynchronization()
                            == AbstractPlatformTransactionManager.SYNCHRONIZATION_NEVER) {
                throw new IllegalStateException(PROPERTY + " joins the transactions of the store's DataSource"
                        + " through Spring's transaction synchronization, but its transaction manager "
                        + manager.getClass().getSimpleName() + " runs without it (transactionSynchronization ="
                        + " SYNCHRONIZATION_NEVER), so a record would commit apart from its transaction's work."
                        + " Leave transactionSynchronization at its default, or turn transactional completion off.");
            }
        }
        if (!onTheStores.isEmpty()) {
            return;
        }
        String found = managers.isEmpty() ? "there is no PlatformTransactionManager bean"
                : "the transaction managers are not on the store's DataSource: " + managers.stream()
                        .map(manager -> manager.getClass().getSimpleName()).collect(Collectors.joining(", "));
        throw new IllegalStateException(PROPERTY + " needs a transaction manager on the store's DataSource, whose"
                + " transactions the completion joins, but " + found + ". Define a DataSourceTransactionManager (or"
                + " JdbcTransactionManager, or a JpaTransactionManager) on that DataSource, or turn transactional"
                + " completion off.");
    }

    /** The target of a {@code TransactionAwareDataSourceProxy}, as the store and the transaction managers use it. */
    private static DataSource unwrap(DataSource dataSource) {
        DataSource unwrapped = dataSource;
        while (unwrapped instanceof TransactionAwareDataSourceProxy proxy && proxy.getTargetDataSource() != null) {
            unwrapped = proxy.getTargetDataSource();
        }
        return unwrapped;
    }

    /** The DataSource a transaction manager binds its transactions to, where it says. */
    private static @Nullable Object dataSourceOf(PlatformTransactionManager manager) {
        // DataSourceTransactionManager's resource factory is its DataSource; JpaTransactionManager's is the
        // EntityManagerFactory, and its getDataSource() names the DataSource it exposes transactions on.
        if (manager instanceof ResourceTransactionManager resources && resources.getResourceFactory() instanceof DataSource) {
            return resources.getResourceFactory();
        }
        try {
            Method getDataSource = manager.getClass().getMethod("getDataSource");
            return getDataSource.invoke(manager);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static void verifyAdviceOrder(IdempotencyStoreProviderContext context) {
        List<Integer> transactionOrders = context.beans(BeanFactoryTransactionAttributeSourceAdvisor.class).stream()
                .map(Ordered::getOrder).toList();
        if (transactionOrders.isEmpty()) {
            // No @Transactional advice (transactions come from TransactionTemplate, which wraps the call).
            return;
        }
        int transactions = transactionOrders.stream().mapToInt(Integer::intValue).max().getAsInt();
        int idempotency = context.adviceOrder();
        if (idempotency <= transactions) {
            throw new IllegalStateException(PROPERTY + " needs the idempotency advice inside the @Transactional"
                    + " advice, so that a completion runs in the method's transaction, but idempotency's order is "
                    + describe(idempotency) + " (@EnableIdempotency(order)) and the transaction advice's is "
                    + describe(transactions) + " (@EnableTransactionManagement(order)): idempotency runs "
                    + (idempotency == transactions ? "in no defined order with it" : "outside it")
                    + ". Give transactions the higher precedence, such as @EnableTransactionManagement(order ="
                    + " EnableIdempotency.DEFAULT_ORDER - 1), or turn transactional completion off.");
        }
    }

    /** {@code Ordered.LOWEST_PRECEDENCE - 100} rather than {@code 2147483547}. */
    static String describe(int order) {
        if (order == EnableIdempotency.DEFAULT_ORDER) {
            return "EnableIdempotency.DEFAULT_ORDER (Ordered.LOWEST_PRECEDENCE - 100)";
        }
        long fromLowest = (long) Ordered.LOWEST_PRECEDENCE - order;
        if (fromLowest == 0) {
            return "Ordered.LOWEST_PRECEDENCE";
        }
        if (fromLowest < 100_000) {
            return "Ordered.LOWEST_PRECEDENCE - " + fromLowest;
        }
        long fromHighest = (long) order - Ordered.HIGHEST_PRECEDENCE;
        if (fromHighest == 0) {
            return "Ordered.HIGHEST_PRECEDENCE";
        }
        if (fromHighest < 100_000) {
            return "Ordered.HIGHEST_PRECEDENCE + " + fromHighest;
        }
        return Integer.toString(order);
    }
}
