import SkillPulseAnalytics
import SkillPulseStore
import Synchronization

/// Writes observed pairs into `skill_dependencies`, each at the rowid it was last written to and in rowid
/// order: an update is then one step down the table's B-tree, and each short transaction touches a few
/// neighbouring pages. In arrival order every update looked the pair up in the primary-key index and landed on
/// a page of its own — rewriting the lifts of 400,000 pairs took ~10× longer.
final class DependencyTableWriter: Sendable {
    let store: AnalyticsStore
    static let rowsPerTransaction = 2_000
    /// By `ObservedPair.key`. A rowid that no longer holds its pair (a row deleted or rewritten by hand) is
    /// detected by the update and replaced.
    private let rowIDs = Mutex<[UInt64: Int64]>([:])

    init(store: AnalyticsStore) {
        self.store = store
    }

    /// Learns the rowids of the pairs already stored (a previous run's, or a migrated file's).
    func loadRowIDs(engine: AnalyticsEngine) async throws {
        let stored = try await store.dependencyRowIDs()
        let known = await engine.backgroundQuery(for: self) { state in
            stored.compactMap { row in state.pairKey(row.skillA, row.skillB).map { ($0, row.rowID) } }
        }
        rowIDs.withLock { $0 = Dictionary(known, uniquingKeysWith: { first, _ in first }) }
    }

    /// Writes the pairs in transactions of `rowsPerTransaction` rows: those with a known rowid first, in rowid
    /// order, then the new ones.
    func write(_ pairs: [ObservedPair], at stamp: String) async throws {
        let known = rowIDs.withLock { rowIDs in pairs.map { rowIDs[$0.key] } }
        let order = pairs.indices.sorted { (known[$0] ?? .max, $0) < (known[$1] ?? .max, $1) }
        for start in stride(from: 0, to: order.count, by: Self.rowsPerTransaction) {
            let chunk = order[start..<min(start + Self.rowsPerTransaction, order.count)]
            let rows = chunk.map { index in
                DependencyRow(skillA: pairs[index].pair.first, skillB: pairs[index].pair.second,
                              coOccurrenceCount: pairs[index].association.together,
                              liftScore: pairs[index].association.lift)
            }
            let ids = chunk.map { known[$0] }
            let written = try await store.writeDependencies(rows, rowIDs: ids, at: stamp)
            rowIDs.withLock { rowIDs in
                for (index, rowID) in zip(chunk, written) where known[index] != rowID {
                    rowIDs[pairs[index].key] = rowID
                }
            }
        }
    }
}
