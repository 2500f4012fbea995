import SkillPulseCore

/// Invocations accepted by a batch but not yet inserted: they are flushed together with multi-row statements.
struct InvocationStaging {
    struct Row {
        let input: InvocationInput
        let normalized: String
        let userID: String?
    }

    private(set) var rows: [Row] = []
    /// Idempotency keys staged in this batch, so a retry inside the same batch maps to the same row.
    private(set) var slotsByKey: [String: Int] = [:]

    mutating func stage(_ input: InvocationInput, userID: String?) -> Int {
        rows.append(Row(input: input, normalized: input.invokedAt.normalized, userID: userID))
        if let key = input.idempotencyKey { slotsByKey[key] = rows.count - 1 }
        return rows.count - 1
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
