/// The arm of an A/B test a user belongs to: a pure function of the test, the user and the ratio, so every
/// machine and every restart gives the same answer without asking the database.
public enum ABTestAssignment {
    public enum Group: String, Sendable, CaseIterable {
        case control
        case treatment
    }

    /// `ratio` is the share of users in control. The position is FNV-1a over "test_id:user_id" (stable across
    /// processes, unlike Swift's seeded `Hasher`), then a SplitMix64 finaliser so that user ids differing in one
    /// character land far apart, scaled to [0, 1).
    public static func group(testID: Int64, userID: String, ratio: Double) -> Group {
        position(testID: testID, userID: userID) < ratio ? .control : .treatment
    }

    public static func position(testID: Int64, userID: String) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for byte in String(testID).utf8 { mix(byte) }
        mix(UInt8(ascii: ":"))
        for byte in userID.utf8 { mix(byte) }
        var z = hash &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        return Double(z >> 11) / Double(UInt64(1) << 53)
    }
}
