import SkillPulseCore
import ArgumentParser
import Dispatch
import Foundation
import SkillPulseWire
import Synchronization

/// `skillpulse demo`: realistic synthetic traffic through ingest, for trying the service set out.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Send realistic demo traffic (sessions, skills, phases, failures) to ingest.")

    @OptionGroup var options: CLIOptions
    @Option(help: "Invocations per second.") var rate: Double = 20
    @Option(help: "Stop after this many seconds (default: run until interrupted).") var duration: Double?
    @Option(help: "Distinct users.") var users = 5
    @Option(help: "Seed for the random generator (same seed, same traffic).") var seed: UInt64 = 42

    /// Skill, phase and how often it completes: a few deliberately flaky ones make analytics interesting.
    static let catalogue: [(skill: String, phase: String, success: Double, meanSeconds: Double)] = [
        ("git-status", "setup", 0.99, 0.3), ("git-diff", "setup", 0.98, 0.5), ("ruff-check", "verification", 0.9, 1.2),
        ("black-format", "cleanup", 0.97, 0.8), ("isort", "cleanup", 0.97, 0.4), ("mypy", "verification", 0.75, 6),
        ("pytest-run", "verification", 0.8, 12), ("coverage-report", "verification", 0.92, 3),
        ("sphinx-build", "execution", 0.85, 20), ("docker-build", "execution", 0.7, 45),
        ("k8s-deploy", "execution", 0.65, 30), ("git-commit", "cleanup", 0.96, 0.6), ("git-push", "cleanup", 0.93, 2),
        ("read-file", "execution", 0.995, 0.05), ("edit-file", "execution", 0.97, 0.1), ("grep-search", "setup", 0.99, 0.2),
    ]

    func validate() throws {
        // Finite and bounded: the pacing turns them into Durations, which trap on NaN, infinity or overflow.
        guard rate.isFinite, rate >= 0.001, rate <= 100_000 else {
            throw ValidationError("--rate must be between 0.001 and 100000 invocations per second")
        }
        if let duration, !(duration.isFinite && duration > 0 && duration <= 31_536_000) {
            throw ValidationError("--duration must be between 0 and 31536000 seconds (a year)")
        }
        guard users >= 1 else { throw ValidationError("--users must be at least 1") }
    }

    func run() async throws {
        let client = try await DaemonConnection.connect(options)
        var random = SplitMix64(seed: seed)
        var sessions: [(id: String, remaining: Int)] = []
        let interval = Duration.seconds(1 / rate)
        let start = ContinuousClock.now
        var sent = 0
        let acknowledged = DemoProgress()
        // Ctrl-C ends the demo with its total instead of a silent death (`demo | tee demo.log` keeps the count).
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler {
            print("demo: \(acknowledged.sent.load(ordering: .relaxed)) invocations sent (interrupted)")
            Foundation.exit(130)
        }
        interrupt.resume()
        defer { interrupt.cancel() }
        print(String(format: "demo traffic: %.0f invocations/s from %d users (Ctrl-C to stop)", rate, users))
        while duration.map({ ContinuousClock.now - start < .seconds($0) }) ?? true {
            if sessions.count < users || random.unit() < 0.02 {
                let user = "user-\(Int(random.next() % UInt64(users)) + 1)"
                let project = ["/srv/api", "/srv/web", "/home/dev/tools", "/home/dev/site"][Int(random.next() % 4)]
                let created = try DaemonConnection.result(try await client.call("create_session", params: .object([
                    "project_path": .string(project), "user_id": .string(user),
                ])))
                sessions.append((created["session_id"]?.stringValue ?? "", 20 + Int(random.next() % 60)))
            }
            let slot = Int(random.next() % UInt64(sessions.count))
            let entry = Self.catalogue[Int(random.next() % UInt64(Self.catalogue.count))]
            let completed = random.unit() < entry.success
            var params: [String: JSONValue] = [
                "session_id": .string(sessions[slot].id), "skill_name": .string(entry.skill),
                "completed": .bool(completed), "workflow_phase": .string(entry.phase),
                "duration_seconds": .number(entry.meanSeconds * (0.3 + 1.4 * random.unit())),
                "workflow_path": .string(random.unit() < 0.7 ? "quick" : "comprehensive"),
                "selection_rank": .integer(Int64(1 + random.next() % 3)),
            ]
            if !completed { params["error_type"] = .string(["Timeout", "NonZeroExit", "Cancelled"][Int(random.next() % 3)]) }
            _ = try DaemonConnection.result(try await client.call("track_invocation", params: .object(params)))
            sent += 1
            acknowledged.sent.store(sent, ordering: .relaxed)
            sessions[slot].remaining -= 1
            if sessions[slot].remaining <= 0 {
                _ = try? await client.call("end_session", params: .object(["session_id": .string(sessions[slot].id)]))
                sessions.remove(at: slot)
            }
            if sent % 500 == 0 { print("demo: \(sent) invocations sent") }
            try await Task.sleep(until: start + interval * sent, clock: .continuous)
        }
        await client.close()
        print("demo: \(sent) invocations sent")
    }
}

/// How many invocations ingest acknowledged so far, for the Ctrl-C handler (another thread).
private final class DemoProgress: Sendable {
    let sent = Atomic<Int>(0)
}
