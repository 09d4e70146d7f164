package dev.idempotency.spring;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.util.ClassUtils;

import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;

/**
 * Makes the store that {@code idempotency.store.type} names, for an application without an
 * {@link IdempotencyStore} bean, and at shutdown closes the clients it opened for it.
 */
final class DefaultStoreFactory implements DisposableBean {

    private static final String DYNAMODB_STORE = "dev.idempotency.dynamodb.DynamoDbIdempotencyStore";
    private static final String DYNAMODB_CLIENT = "software.amazon.awssdk.services.dynamodb.DynamoDbClient";

    private final BeanFactory beanFactory;
    private final List<AutoCloseable> opened = new CopyOnWriteArrayList<>();

    DefaultStoreFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    IdempotencyStore create(IdempotencyProperties properties) {
        return switch (properties.getStore().getType()) {
            case MEMORY -> InMemoryIdempotencyStore.create();
            case DYNAMODB -> dynamoDb(properties.getDynamodb());
        };
    }

    /**
     * Checks that the optional module is there before {@link DynamoDbStores} touches its classes, in the class loader
     * that links them: ours.
     */
    private IdempotencyStore dynamoDb(IdempotencyProperties.DynamoDb properties) {
        ClassLoader classLoader = DefaultStoreFactory.class.getClassLoader();
        if (!ClassUtils.isPresent(DYNAMODB_STORE, classLoader) || !ClassUtils.isPresent(DYNAMODB_CLIENT, classLoader)) {
            throw new IllegalStateException("idempotency.store.type=dynamodb needs the DynamoDB store on the"
                    + " classpath: add the dependency dev.idempotency:idempotency-dynamodb (it brings the AWS SDK's"
                    + " dynamodb), define an IdempotencyStore bean, or set idempotency.store.type=memory");
        }
        return DynamoDbStores.create(properties, beanFactory, opened::add);
    }

    @Override
    public void destroy() throws Exception {
        for (AutoCloseable resource : opened) {
            resource.close();
        }
    }
}
