// Waiting on pipeline tasks: unwraps the task's own exception so the CLI can print it as one line.
package rerender.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

final class Futures {
    private Futures() {
    }

    /** The task's result; its IOException or RuntimeException is rethrown as is. {@code what} names the task. */
    static <T> T await(Future<T> f, String what) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + what, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(what + " failed: " + c, c);
        }
    }
}
