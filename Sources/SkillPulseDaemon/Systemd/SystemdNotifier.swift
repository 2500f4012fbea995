import CSystemd

/// Talks to systemd through libsystemd's `sd_notify`; every call is a no-op when not run by systemd.
public struct SystemdNotifier: Sendable {
    public init() {}

    public func send(_ state: String) {
        _ = sd_notify(0, state)
    }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ line: String) { send("STATUS=\(line)") }
    public func stopping(status: String) { send("STOPPING=1\nSTATUS=\(status)") }
    public func watchdog() { send("WATCHDOG=1") }

    /// How often to ping: half of `WATCHDOG_USEC`, as systemd recommends; nil when the watchdog is off.
    public func watchdogInterval() -> Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds / 2))
    }
}
