import SkillPulseCore

/// Invocations accepted by a batch but not yet inserted: they are flushed together with multi-row statements.
struct InvocationStaging {
    /// Staged rows in their committed form, ids still 0: the batch hands this array on as its result, so
    /// each invocation is copied once, not once per stage.
    private(set) var rows: [CommittedInvocation] = []
    let createdAt: String
    /// Idempotency keys staged in this batch, so a retry inside the same batch maps to the same row.
    private(set) var slotsByKey: [String: Int] = [:]

    init(createdAt: String) {
        self.createdAt = createdAt
    }

    mutating func stage(_ input: InvocationInput, userID: String?) -> Int {
        rows.append(CommittedInvocation(id: 0, input: input, userID: userID, invokedAt: input.invokedAt.normalized,
                                        createdAt: createdAt))
        if let key = input.idempotencyKey { slotsByKey[key] = rows.count - 1 }
        return rows.count - 1
    }

    /// The staged rows with their ids, in staging order; leaves the staging empty.
    mutating func commit(ids: [Int64]) -> [CommittedInvocation] {
        var committed: [CommittedInvocation] = []
        swap(&committed, &rows)
        for index in committed.indices { committed[index].id = ids[index] }
        return committed
    }
}

/// A command's outcome before the staged rows have ids.
enum StagedOutcome {
    enum Reference {
        /// Stored by an earlier batch (idempotent retry).
        case existing(Int64)
        /// Staged by this command.
        case staged(Int)
        /// Staged earlier in this batch under the same idempotency key.
        case sameAs(Int)
    }

    case done(WriteOutcome)
    case invocations([Reference])

    func resolve(_ ids: [Int64]) -> WriteOutcome {
        switch self {
        case .done(let outcome):
            return outcome
        case .invocations(let references):
            var inserted = 0
            var seen: Set<Int> = []
            let resolved = references.map { reference -> Int64 in
                switch reference {
                case .existing(let id):
                    return id
                case .staged(let slot):
                    if seen.insert(slot).inserted { inserted += 1 }
                    return ids[slot]
                case .sameAs(let slot):
                    return ids[slot]
                }
            }
            return .invocationsStored(ids: resolved, inserted: inserted)
        }
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunked(by size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
