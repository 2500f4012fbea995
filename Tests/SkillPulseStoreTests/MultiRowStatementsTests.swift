@testable import SkillPulseStore
import Testing

/// The writer prepares each multi-row statement shape in a few sizes only; every row must still be bound once.
struct MultiRowStatementsTests {
    @Test func chunksCoverEveryRowOnceInAtMostSevenSizes() {
        var sizes: Set<Int> = []
        for count in 0...1_000 {
            let ranges = MultiRowStatements.chunkRanges(count)
            #expect(ranges.first?.lowerBound ?? 0 == 0)
            #expect(ranges.last?.upperBound ?? 0 == count)
            for (previous, next) in zip(ranges, ranges.dropFirst()) { #expect(previous.upperBound == next.lowerBound) }
            sizes.formUnion(ranges.map(\.count))
        }
        #expect(sizes == [1, 2, 4, 8, 16, 32, 64])
        #expect(MultiRowStatements.chunkRanges(130).map(\.count) == [64, 64, 2])
        #expect(MultiRowStatements.chunkRanges(63).map(\.count) == [32, 16, 8, 4, 2, 1])
    }

    @Test func statementsHoldTheirShapesPlaceholders() {
        let sql = MultiRowStatements.sql(.sessionSkills, rows: 2)
        #expect(sql.contains("(?, ?, ?), (?, ?, ?)"))
        #expect(sql.hasSuffix("invocation_count + excluded.invocation_count"))
    }
}
