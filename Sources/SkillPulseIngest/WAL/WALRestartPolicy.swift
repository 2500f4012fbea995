import SkillPulseStore

/// Decides, after each of the checkpointer's passes, who starts the WAL over — so that its file stays bounded
/// whoever writes (ingest, analytics' derived tables and A/B rows, an operator's script).
///
/// SQLite starts the WAL over only when a write transaction begins with every frame already copied into the
/// database file. A PASSIVE checkpoint beside a steady writer never leaves that moment: the writer commits
/// while it copies (testers saw `record_ab_outcome` grow the WAL to 959 MB beside an idle ingest, the
/// checkpoint always a few hundred frames behind). Two ways to create the moment:
///
/// - the hand-over (`WALRestartRequest`): ingest's writer, between two batches, copies the last frames and its
///   next transaction starts the WAL over. It costs ingest the least, but only happens when ingest commits,
///   and another writer's commit between the writer's copy and its next transaction spoils it;
/// - a RESTART checkpoint here: it holds the write lock while it copies the tail (nobody can append), then
///   waits until no reader uses the WAL, so the next write transaction — whichever connection runs it — starts
///   the WAL over. Writers wait for it (the tail since the last pass, a sync, short reads).
///
/// So: while ingest's writer has work, the hand-over at the budget, and a RESTART here when it did not complete
/// within `handOverGrace`. While the writer is idle, a RESTART here already at half the budget: it costs ingest
/// nothing then, and the other half leaves room for what other writers add before it completes, so the file
/// stays under the budget. A file larger than `journalSizeLimitBytes` (a burst past the safety valve, a WAL
/// from before this rule) is truncated once the writer is idle.
struct WALRestartPolicy {
    /// What the checkpointer does after a pass.
    enum Step: Equatable {
        case nothing
        /// Ask ingest's writer to finish the restart at its next batch boundary.
        case handOver
        /// Run a RESTART checkpoint (or a TRUNCATE one, which also cuts the file to zero bytes) here.
        case restartHere(truncate: Bool)
    }

    let budget: WALBudget
    let handOverGrace: Duration
    /// After a restart here failed, how long until the next try: each try holds the write lock while it waits
    /// for readers, and a reader that keeps its transaction open (an operator's shell) would otherwise make
    /// every writer wait at every pass.
    let failureBackoff: Duration
    private var notBefore: ContinuousClock.Instant?
    /// When the pending hand-over was asked for; nil when none is pending.
    private(set) var handOverSince: ContinuousClock.Instant?
    /// The WAL as the last restart here left it: while nobody has written since, the next write transaction
    /// still starts it over, and another RESTART checkpoint would only take the write lock for nothing.
    private var leftByRestartHere: (frames: Int, sequence: UInt32?)?

    init(budget: WALBudget, handOverGrace: Duration = .milliseconds(250), failureBackoff: Duration = .seconds(1)) {
        self.budget = budget
        self.handOverGrace = handOverGrace
        self.failureBackoff = failureBackoff
    }

    /// Frames from which an idle writer's checkpointer restarts the WAL itself.
    var idleRestartFrames: Int { max(1, budget.restartFrames / 2) }

    /// The step after a pass that saw `pass`; `writerIdle`: ingest's writer has no batch in hand or queued.
    mutating func next(after pass: WALCheckpointResult, writerIdle: Bool, now: ContinuousClock.Instant) -> Step {
        var step = decide(after: pass, writerIdle: writerIdle, now: now)
        if case .restartHere = step {
            if let notBefore, now < notBefore {
                step = .nothing
            } else {
                leftByRestartHere = (pass.walFrameCount, pass.restartSequence)
            }
        }
        return step
    }

    /// The restart here could not run (another connection kept the lock, or a reader the WAL, past the wait):
    /// tried again after `failureBackoff`, even if nothing was written meanwhile.
    mutating func restartHereFailed(now: ContinuousClock.Instant) {
        leftByRestartHere = nil
        notBefore = now + failureBackoff
    }

    private mutating func decide(after pass: WALCheckpointResult, writerIdle: Bool, now: ContinuousClock.Instant)
        -> Step
    {
        let oversized = pass.walFileBytes > budget.journalSizeLimitBytes
        if let left = leftByRestartHere, left.frames == pass.walFrameCount, left.sequence == pass.restartSequence,
           pass.checkpointedFrameCount == pass.walFrameCount, !oversized
        {
            handOverSince = nil
            return .nothing
        }
        if writerIdle {
            handOverSince = nil
            if oversized { return .restartHere(truncate: true) }
            return pass.walFrameCount >= idleRestartFrames ? .restartHere(truncate: false) : .nothing
        }
        guard pass.walFrameCount >= budget.restartFrames else {
            // Below the budget again: the restart happened (or the WAL never got there).
            handOverSince = nil
            return .nothing
        }
        if let since = handOverSince {
            guard now - since >= handOverGrace else { return .nothing }
            handOverSince = nil
            return .restartHere(truncate: oversized)
        }
        // The hand-over copies only what was written since this pass; ask once the pass has caught up.
        guard pass.checkpointedFrameCount == pass.walFrameCount else { return .nothing }
        handOverSince = now
        return .handOver
    }
}
