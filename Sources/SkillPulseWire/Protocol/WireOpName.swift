/// The names of the ops one daemon answers: one enum per daemon, and the single list that its request decoder
/// switches over (exhaustively), its `unknown_op` message names and `docs/protocol.md`'s op table is checked
/// against.
public protocol WireOpName: RawRepresentable, CaseIterable, Sendable where RawValue == String, AllCases == [Self] {
    /// How `unknown_op` names the daemon: "ingest answers …".
    static var answerer: String { get }
}

extension WireOpName {
    /// The op called `op`, or `unknown_op` with every op this daemon answers.
    public static func named(_ op: String) throws(WireError) -> Self {
        guard let name = Self(rawValue: op) else {
            throw WireError(.unknownOp, "unknown op \"\(op.prefix(64))\"; \(answerer) answers "
                            + allCases.map(\.rawValue).joined(separator: ", "))
        }
        return name
    }
}
