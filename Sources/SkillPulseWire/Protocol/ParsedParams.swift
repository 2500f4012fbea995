/// Typed access to a `params` object that `CompactJSONParser` produced, for an operation's fast decoding path.
///
/// Every accessor accepts exactly what JSONDecoder would decode into the same Swift type and throws
/// `Mismatch` for anything else (a wrong type, a fraction where an integer belongs); the request then goes
/// through JSONDecoder, which produces the documented error message.
public struct ParsedParams: Sendable {
    /// The value does not have the shape the fast path handles.
    public struct Mismatch: Error {
        public init() {}
    }

    public let members: [String: JSONValue]

    public init(_ members: [String: JSONValue]) {
        self.members = members
    }

    public func string(_ key: String) throws(Mismatch) -> String {
        guard case .string(let value)? = members[key] else { throw Mismatch() }
        return value
    }

    /// Absent and `null` are both nil, as `decodeIfPresent` has it.
    public func optionalString(_ key: String) throws(Mismatch) -> String? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw Mismatch()
        }
    }

    public func bool(_ key: String) throws(Mismatch) -> Bool {
        guard case .bool(let value)? = members[key] else { throw Mismatch() }
        return value
    }

    public func optionalDouble(_ key: String) throws(Mismatch) -> Double? {
        switch members[key] {
        case nil, .null?: return nil
        case .integer(let value)?: return Double(value)
        case .number(let value)?: return value
        default: throw Mismatch()
        }
    }

    public func int(_ key: String) throws(Mismatch) -> Int {
        guard case .integer(let value)? = members[key] else { throw Mismatch() }
        return Int(value)
    }

    public func optionalInt(_ key: String) throws(Mismatch) -> Int? {
        switch members[key] {
        case nil, .null?: return nil
        case .integer(let value)?: return Int(value)
        default: throw Mismatch()
        }
    }

    public func optionalStrings(_ key: String) throws(Mismatch) -> [String]? {
        switch members[key] {
        case nil, .null?: return nil
        case .array(let elements)?:
            var strings: [String] = []
            strings.reserveCapacity(elements.count)
            for element in elements {
                guard case .string(let value) = element else { throw Mismatch() }
                strings.append(value)
            }
            return strings
        default: throw Mismatch()
        }
    }

    /// The array under `key` as objects, each wrapped for the same typed access.
    public func objects(_ key: String) throws(Mismatch) -> [ParsedParams] {
        guard case .array(let elements)? = members[key] else { throw Mismatch() }
        var objects: [ParsedParams] = []
        objects.reserveCapacity(elements.count)
        for element in elements {
            guard case .object(let members) = element else { throw Mismatch() }
            objects.append(ParsedParams(members))
        }
        return objects
    }
}
