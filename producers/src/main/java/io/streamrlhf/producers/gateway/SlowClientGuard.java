package io.streamrlhf.producers.gateway;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The executor the JDK server runs each exchange on, with a per-connection deadline and a connection cap, so that
 * slow clients cannot hold the gateway's threads.
 *
 * <p>The JDK server hands a connection to its executor as soon as the first bytes arrive, and that thread then reads
 * the request line and headers (and the handler the body) from a blocking channel: a client that sends a byte now and
 * then holds the thread. Here each exchange gets its own thread, up to {@code maxConnections} (more are refused,
 * which makes the JDK close the connection at once), and a deadline of {@code requestTimeout} from its start: if the
 * request has not been read by then, the thread is interrupted, which closes the channel (a blocking
 * {@code SocketChannel} is interruptible) and ends the exchange. The handler calls {@link #requestRead()} once it
 * has the whole request and before it hands the event to Kafka, so a write is never interrupted. Keep-alive
 * connections waiting for their next request hold no thread: the JDK keeps them in its selector and closes them
 * after {@code sun.net.httpserver.idleInterval} (JVM-wide, 30 s by default).
 */
final class SlowClientGuard implements Executor, AutoCloseable {

    private static final ThreadLocal<Deadline> CURRENT = new ThreadLocal<>();

    private final ThreadPoolExecutor pool;
    private final ScheduledExecutorService timer;
    private final Duration requestTimeout;
    private final AtomicLong timedOut = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    SlowClientGuard(int coreThreads, int maxConnections, Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
        AtomicInteger ids = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(
                Math.min(coreThreads, maxConnections),
                maxConnections,
                30,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                r -> daemon(r, "gateway-" + ids.incrementAndGet()),
                (r, executor) -> {
                    refused.incrementAndGet();
                    throw new java.util.concurrent.RejectedExecutionException(
                            "gateway.max.connections (" + maxConnections + ") reached");
                });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "gateway-request-deadlines"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void execute(Runnable exchange) {
        pool.execute(() -> {
            Deadline deadline = new Deadline(Thread.currentThread());
            ScheduledFuture<?> alarm =
                    timer.schedule(deadline::expire, requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
            CURRENT.set(deadline);
            try {
                exchange.run();
            } finally {
                deadline.finish();
                alarm.cancel(false);
                CURRENT.remove();
                // An alarm that rang after the request was read must not reach the thread's next exchange.
                Thread.interrupted();
            }
        });
    }

    /**
     * Called by a handler once the whole request is read: from here on the exchange is not interrupted. Returns
     * false when the deadline had already passed (the connection is then being closed).
     */
    static boolean requestRead() {
        Deadline deadline = CURRENT.get();
        return deadline == null || deadline.disarm();
    }

    /** Exchanges cut off because the client did not send its request within the timeout. */
    long timedOut() {
        return timedOut.get();
    }

    /** Connections closed at once because {@code maxConnections} exchanges were running. */
    long refused() {
        return refused.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        pool.shutdownNow();
    }

    /** One exchange's deadline; its methods are synchronized so an alarm and a disarm never cross. */
    private final class Deadline {
        private final Thread thread;
        private boolean armed = true;
        private boolean expired;

        Deadline(Thread thread) {
            this.thread = thread;
        }

        synchronized void expire() {
            if (armed) {
                expired = true;
                armed = false;
                timedOut.incrementAndGet();
                thread.interrupt();
            }
        }

        synchronized boolean disarm() {
            armed = false;
            return !expired;
        }

        synchronized void finish() {
            armed = false;
        }
    }
}
