import Foundation
import ServiceLifecycle
import SkillPulseCore
import Synchronization

/// One cheap check a daemon's critical loop must keep answering (a database query, the event loop).
public struct LivenessProbe: Sendable {
    public let name: String
    public let check: @Sendable () async throws -> Void

    public init(name: String, check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }
}

/// Runs each probe once per `interval` and keeps the verdict, so `health`, STATUS= and the watchdog read it
/// without doing any work (a thousand `health` requests cost a thousand lock reads, not a thousand queries).
///
/// A probe that fails makes the daemon `degraded`; one that has not answered for `stallLimit` makes it
/// `unhealthy` and stops the watchdog pings, because whatever it waits on (a database lock, a stuck event
/// loop) also stops every request that needs it — unless the server kept writing replies meanwhile (`activity`):
/// then the probe only waited its turn behind a flood of requests, and the daemon is `degraded` (busy), still
/// making progress. Restarting a daemon for being busy would only drop the work it is doing.
public final class LivenessMonitor: Service, Sendable {
    private struct ProbeState {
        var startedAt: ContinuousClock.Instant?
        var lastSuccess: ContinuousClock.Instant?
        var lastError: String?
        var lastDuration: Duration?
    }

    private let probes: [LivenessProbe]
    private let interval: Duration
    private let stallLimit: Duration
    private let states: Mutex<[String: ProbeState]>
    private let startedAt = ContinuousClock.now
    private let activity: @Sendable () -> Int
    /// The activity count last seen, and when it last changed.
    private let lastActivity: Mutex<(count: Int, changedAt: ContinuousClock.Instant)>

    /// - Parameter activity: a count that grows while the daemon does useful work (replies written).
    public init(activity: @escaping @Sendable () -> Int = { 0 }, probes: [LivenessProbe],
                interval: Duration = .seconds(1), stallLimit: Duration = .seconds(5)) {
        self.probes = probes
        self.interval = interval
        self.stallLimit = stallLimit
        self.activity = activity
        lastActivity = Mutex((activity(), .now))
        states = Mutex(Dictionary(uniqueKeysWithValues: probes.map { ($0.name, ProbeState()) }))
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for probe in self.probes {
                    group.addTask { await self.loop(probe) }
                }
            }
        }
    }

    private func loop(_ probe: LivenessProbe) async {
        while !Task.isCancelled {
            let started = ContinuousClock.now
            states.withLock { $0[probe.name]?.startedAt = started }
            var failure: String?
            do { try await probe.check() } catch { failure = "\(error)" }
            let finished = ContinuousClock.now
            states.withLock { states in
                states[probe.name]?.startedAt = nil
                states[probe.name]?.lastDuration = finished - started
                states[probe.name]?.lastError = failure
                if failure == nil { states[probe.name]?.lastSuccess = finished }
            }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    /// The verdict as of now.
    public var current: Liveness {
        let now = ContinuousClock.now
        let count = activity()
        let busy = lastActivity.withLock { last -> Bool in
            if count != last.count { last = (count, now) }
            return now - last.changedAt < stallLimit
        }
        return states.withLock { states in
            var verdict = Liveness.healthy
            for probe in probes {
                guard let state = states[probe.name] else { continue }
                verdict = verdict.combined(with: Self.verdict(probe.name, state, now: now, startedAt: startedAt,
                                                              stallLimit: stallLimit, busy: busy))
            }
            return verdict
        }
    }

    private static func verdict(_ name: String, _ state: ProbeState, now: ContinuousClock.Instant,
                                startedAt: ContinuousClock.Instant, stallLimit: Duration, busy: Bool) -> Liveness {
        if let started = state.startedAt, now - started >= stallLimit {
            if busy {
                return Liveness(status: .degraded, reason: String(
                    format: "busy: the %@ probe has waited %.1f s behind other work", name, (now - started).seconds)
                    as String, progressing: true)
            }
            return Liveness(status: .unhealthy, reason: String(
                format: "the %@ probe has not answered for %.1f s", name, (now - started).seconds) as String,
                progressing: false)
        }
        if let error = state.lastError {
            let failingFor = now - (state.lastSuccess ?? startedAt)
            return Liveness(status: failingFor >= stallLimit ? .unhealthy : .degraded,
                            reason: "the \(name) probe fails: \(error)", progressing: failingFor < stallLimit)
        }
        return .healthy
    }
}
