import SkillPulseWire

/// The ops every daemon answers before it has any of its own.
public enum CommonOperation: WireOperation {
    case health

    /// The op's name on the wire.
    public var name: CommonOp {
        switch self {
        case .health: .health
        }
    }

    public init(op: String, params: WireParams) throws {
        switch try CommonOp.named(op) {
        case .health:
            _ = try params.decode(NoParams.self)
            self = .health
        }
    }
}

/// The ops of a daemon that answers only `health` (docs/protocol.md, "Ops every daemon answers").
public enum CommonOp: String, WireOpName {
    case health

    public static var answerer: String { "this daemon" }
}
