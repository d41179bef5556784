package io.streamrlhf.app.dashboard;

import io.streamrlhf.config.Setting;
import java.time.Duration;
import java.util.List;

/** Every key of the live dashboard, with its default and meaning; {@link DashboardConfig} reads only these. */
public final class DashboardKeys {

    public static final Setting<String> BIND = Setting.string(
            "dashboard.bind",
            DashboardConfig.DEFAULT_BIND,
            "address the dashboard listens on (0.0.0.0 only behind something that authenticates: the page has no "
                    + "login)");
    public static final Setting<Integer> PORT =
            Setting.integer("dashboard.port", DashboardConfig.DEFAULT_PORT, "dashboard HTTP port, 0 for a free one");
    public static final Setting<String> MONITOR_URL = Setting.string(
            "dashboard.monitor.url",
            DashboardConfig.DEFAULT_MONITOR_URL,
            "base URL of the streams version monitor polled by the dashboard; "
                    + "none turns it off (run and demo point it at the streams component of the same process)");
    public static final Setting<String> MONITOR_TOKEN = Setting.string(
                    "dashboard.monitor.token",
                    null,
                    "bearer token sent to the monitor (its monitor.http.token); run and demo pass the streams"
                            + " component's own")
            .describedDefault("none, or monitor.http.token in one process")
            .secret();
    public static final Setting<String> GROUPS = Setting.string(
            "dashboard.groups",
            DashboardConfig.ALL_GROUPS,
            "comma-separated consumer group ids whose lag is shown, or * for every group");
    public static final Setting<Duration> POLL_INTERVAL = Setting.duration(
            "dashboard.poll.interval",
            Duration.ofMillis(DashboardConfig.DEFAULT_POLL_MS),
            "how often offsets and the monitor are read");
    public static final Setting<Duration> HEARTBEAT_INTERVAL = Setting.duration(
            "dashboard.heartbeat.interval",
            Duration.ofMillis(DashboardConfig.DEFAULT_HEARTBEAT_MS),
            "how often an idle event stream sends a " + "heartbeat (also how soon a vanished browser is noticed)");

    /** Every key above. */
    public static final List<Setting<?>> ALL =
            List.of(BIND, PORT, MONITOR_URL, MONITOR_TOKEN, GROUPS, POLL_INTERVAL, HEARTBEAT_INTERVAL);

    private DashboardKeys() {}
}
