import SkillPulseWire

/// The ops every daemon answers before it has any of its own.
public enum CommonOperation: WireOperation {
    case health

    public init(op: String, params: WireParams) throws {
        switch op {
        case "health":
            _ = try params.decode(NoParams.self)
            self = .health
        default:
            throw WireError(.unknownOp, "unknown op \"\(op.prefix(64))\"; this daemon answers health")
        }
    }
}
