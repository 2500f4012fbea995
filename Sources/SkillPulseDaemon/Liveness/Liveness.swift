/// How a daemon is doing, as `health`, systemd's STATUS= line and the watchdog all see it.
public struct Liveness: Sendable, Equatable {
    /// `health`'s `status` values, mildest first.
    public enum Status: String, Sendable, Comparable {
        case healthy, degraded, unhealthy

        private var rank: Int {
            switch self {
            case .healthy: 0
            case .degraded: 1
            case .unhealthy: 2
            }
        }

        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rank < rhs.rank }
    }

    public var status: Status
    /// Why it is not healthy; nil when it is.
    public var reason: String?
    /// Whether the daemon's critical loop makes progress: only then does systemd get `WATCHDOG=1`, so that a
    /// daemon wedged on a lock or a stuck thread is restarted instead of being reported alive.
    public var progressing: Bool

    public init(status: Status, reason: String? = nil, progressing: Bool) {
        self.status = status
        self.reason = reason
        self.progressing = progressing
    }

    public static let healthy = Liveness(status: .healthy, progressing: true)

    /// The more severe of the two; reasons of equal severity are joined, and progress needs both.
    public func combined(with other: Liveness) -> Liveness {
        let status = max(self.status, other.status)
        let reasons = [self, other].filter { $0.status == status }.compactMap(\.reason)
        return Liveness(status: status, reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "),
                        progressing: progressing && other.progressing)
    }
}
