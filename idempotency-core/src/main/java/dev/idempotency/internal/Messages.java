package dev.idempotency.internal;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Wording shared by error messages, in the core and the integrations. */
public final class Messages {

    private Messages() {
    }

    /** How messages name a method: {@code OrderService.place(Order)}. */
    public static String describe(Method method) {
        return describe(method, method.getDeclaringClass());
    }

    /** How messages name a method called on {@code targetClass}, which may inherit it: {@code EmailSender.send(String)}. */
    public static String describe(Method method, Class<?> targetClass) {
        return targetClass.getSimpleName() + "." + method.getName()
                + Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName)
                        .collect(Collectors.joining(", ", "(", ")"));
    }

    /**
     * Names the type of a cause whose message must not be copied: the message of a failure while reading a key may
     * quote the key, and keys may hold personal data. The cause itself stays attached.
     */
    public static String causeType(Throwable cause) {
        return cause.getClass().getSimpleName() + " (see the cause; its message is not repeated here, since it may"
                + " quote the key)";
    }
}
