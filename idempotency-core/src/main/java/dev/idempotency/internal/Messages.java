package dev.idempotency.internal;

/** Wording shared by error messages. */
public final class Messages {

    private Messages() {
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
