import Foundation
import SkillPulseAnalytics
import SkillPulseStore
import SkillPulseWire
import Synchronization

/// Work the benchmarks run beside ingest on the same database file, the way the service set and operators use
/// it: a reader that opens, reads and closes connections (an operator's `sqlite3`, a dashboard), and a second
/// writer committing one small derived-table transaction at a time (analytics).
final class BesideIngestLoad: Sendable {
    struct Figures: Sendable {
        var readerConnections = 0
        var readerErrors = 0
        var writerCommits = 0
        var writerErrors = 0
        var firstError: String?
        var writerLatencyMs: [Double] = []
    }

    private let path: String
    private let tag: String
    private let figures = Mutex(Figures())
    private let stopped = Atomic<Bool>(false)
    private let readerDone = OneShotSignal()
    private let writer: DerivedTableWriter?
    private let writerTask = Mutex<Task<Void, Never>?>(nil)
    /// Called with each committed sequence number, on the writer's task.
    private let onCommit: @Sendable (Int) -> Void

    init(path: String, tag: String, withWriter: Bool, onCommit: @escaping @Sendable (Int) -> Void = { _ in }) throws {
        self.path = path
        self.tag = tag
        self.onCommit = onCommit
        writer = withWriter ? try DerivedTableWriter(path: path, label: "bench-writer") : nil
    }

    /// Starts a reader thread that opens, reads and closes a read-only connection every `pause`.
    func startReader(pause: Duration = .milliseconds(10)) {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                do {
                    _ = try ContentionProbe.readOnce(path: path)
                    figures.withLock { $0.readerConnections += 1 }
                } catch {
                    record(error: "reader: \(error)", writer: false)
                }
                Thread.sleep(forTimeInterval: pause.seconds)
            }
            readerDone.fire()
        }
        thread.name = "bench-reader"
        thread.start()
    }

    /// Starts committing one marker row per transaction, one transaction every `interval`.
    func startWriter(interval: Duration) {
        guard let writer else { return }
        let task = Task { [self] in
            var sequence = 0
            while !stopped.load(ordering: .relaxed) {
                let started = ContinuousClock.now
                do {
                    let current = sequence
                    try await ContentionProbe.insertMarker(using: writer, tag: self.tag, sequence: current)
                    let latency = (ContinuousClock.now - started).seconds * 1000
                    figures.withLock {
                        $0.writerCommits += 1
                        $0.writerLatencyMs.append(latency)
                    }
                    onCommit(current)
                } catch {
                    record(error: "writer: \(error)", writer: true)
                }
                sequence += 1
                try? await Task.sleep(for: interval)
            }
        }
        writerTask.withLock { $0 = task }
    }

    private func record(error: String, writer: Bool) {
        figures.withLock { figures in
            if writer { figures.writerErrors += 1 } else { figures.readerErrors += 1 }
            figures.firstError = figures.firstError ?? error
        }
    }

    /// Stops both, removes the writer's rows unless `keepRows`, and returns what they did.
    func stop(keepRows: Bool = false, readerStarted: Bool) async -> Figures {
        stopped.store(true, ordering: .relaxed)
        if readerStarted { await readerDone.wait() }
        await writerTask.withLock { $0 }?.value
        if let writer, !keepRows {
            let tag = tag
            _ = try? await ContentionProbe.removeMarkers(using: writer, tag: tag)
        }
        try? writer?.close()
        return figures.withLock { $0 }
    }

    /// One line per part that ran, for the bench's report.
    static func report(_ figures: Figures, seconds: Double) -> [String] {
        var lines: [String] = []
        if figures.readerConnections + figures.readerErrors > 0 {
            lines.append(String(format: "beside it, a reader opened and closed %d read-only connections (%.0f/s), %d errors",
                                figures.readerConnections, Double(figures.readerConnections) / seconds,
                                figures.readerErrors))
        }
        if figures.writerCommits + figures.writerErrors > 0 {
            let latency = LatencySummary(samples: figures.writerLatencyMs)
            lines.append(String(format: "beside it, a second writer committed %d transactions (%.0f/s), "
                                    + "commit latency ms p50 %.2f p99 %.2f max %.2f, %d errors",
                                figures.writerCommits, Double(figures.writerCommits) / seconds, latency.p50,
                                latency.p99, latency.max, figures.writerErrors))
        }
        if let first = figures.firstError { lines.append("first error beside ingest: \(first)") }
        return lines
    }
}
