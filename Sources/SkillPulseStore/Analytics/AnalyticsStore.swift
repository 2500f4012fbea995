import GRDB

/// Everything the analytics daemon reads from and writes to the shared database: the invocation log by id
/// (through the daemon's `StoreReader`), and its derived tables — baselines, dependency pairs, anomalies,
/// clusters — each write one short `BEGIN IMMEDIATE` transaction of its `DerivedTableWriter`.
public final class AnalyticsStore: Sendable {
    let reader: StoreReader
    let writer: DerivedTableWriter

    public init(reader: StoreReader, writer: DerivedTableWriter) {
        self.reader = reader
        self.writer = writer
    }

    // MARK: The invocation log

    /// Up to `limit` invocations with ids above `id`, in id order (one read transaction per page).
    public func invocations(after id: Int64, limit: Int) async throws -> [StoredInvocation] {
        try await reader.pool.read { db in try InvocationFeed.page(after: id, limit: limit, in: db) }
    }

    /// The newest invocation id, 0 for an empty log.
    public func lastInvocationID() async throws -> Int64 {
        try await reader.pool.read { db in try InvocationFeed.lastID(in: db) }
    }

    // MARK: Dependency pairs

    /// Stored pairs counted in fewer than `limit` sessions: the ones analytics did not write (the taxonomy's
    /// seeds, an operator's).
    public func dependencies(coOccurrenceBelow limit: Int) async throws -> [DependencyRow] {
        try await reader.pool.read { db in try AnalyticsTables.dependencies(coOccurrenceBelow: limit, in: db) }
    }

    /// Every stored pair with its rowid: analytics writes its rows back by rowid.
    public func dependencyRowIDs() async throws -> [StoredDependencyKey] {
        try await reader.pool.read { db in try AnalyticsTables.dependencyRowIDs(in: db) }
    }

    /// Writes `rows` in one transaction (see `AnalyticsTables.writeDependencies`); returns each row's rowid.
    public func writeDependencies(_ rows: [DependencyRow], rowIDs: [Int64?], at updatedAt: String) async throws
        -> [Int64?]
    {
        try await writer.write { db in try AnalyticsTables.writeDependencies(rows, rowIDs: rowIDs, at: updatedAt, in: db) }
    }

    // MARK: Baselines

    /// Inserts or updates `rows` in one transaction (see `AnalyticsTables.upsertBaselines`).
    public func upsertBaselines(_ rows: [BaselineRow], at updatedAt: String) async throws {
        try await writer.write { db in try AnalyticsTables.upsertBaselines(rows, at: updatedAt, in: db) }
    }

    // MARK: Anomalies

    /// Runs `body` in one transaction: what is open is read inside the same transaction that changes it
    /// (another analytics run, or this one before a restart, may have opened rows).
    public func updateAnomalies<T: Sendable>(_ body: @escaping @Sendable (AnomalyTransaction) throws -> T)
        async throws -> T
    {
        try await writer.write { db in try body(AnomalyTransaction(db: db)) }
    }

    /// Up to `limit` stored anomalies in `state` with ids above `id`, in id order (`list_anomalies`).
    public func anomalies(_ state: AnomalyRowState, after id: Int64, limit: Int) async throws -> [StoredAnomalyRow] {
        try await reader.pool.read { db in try AnalyticsTables.anomalies(state, after: id, limit: limit, in: db) }
    }

    // MARK: Clusters

    /// Replaces every cluster with `clusters` in one transaction (readers see the old set or the new one).
    public func replaceClusters(with clusters: [SkillClusterRow], at createdAt: String) async throws {
        try await writer.write { db in try SkillClusterTables.replace(with: clusters, at: createdAt, in: db) }
    }

    /// The stored clusters with their members: name → skill → membership score.
    public func clusters() async throws -> [String: [String: Double]] {
        try await reader.pool.read { db in try SkillClusterTables.all(in: db) }
    }
}

/// The `skill_anomalies` operations of one `AnalyticsStore.updateAnomalies` transaction. It lives only as long
/// as the transaction's body (it is not `Sendable`, so it cannot leave it).
public struct AnomalyTransaction {
    let db: Database

    /// The anomalies not resolved yet, in id order.
    public func openAnomalies() throws -> [OpenAnomalyRow] {
        try AnalyticsTables.openAnomalies(in: db)
    }

    /// Inserts a newly detected anomaly and returns its id.
    public func insertAnomaly(skillName: String, anomalyType: String, detectedAt: String, baselineValue: Double,
                              observedValue: Double, deviationScore: Double) throws -> Int64 {
        try AnalyticsTables.insertAnomaly(skillName: skillName, anomalyType: anomalyType, detectedAt: detectedAt,
                                          baselineValue: baselineValue, observedValue: observedValue,
                                          deviationScore: deviationScore, in: db)
    }

    /// Marks an open anomaly resolved (an already resolved one keeps its time).
    public func resolveAnomaly(id: Int64, at resolvedAt: String) throws {
        try AnalyticsTables.resolveAnomaly(id: id, at: resolvedAt, in: db)
    }
}
