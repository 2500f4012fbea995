import Foundation
import SkillPulseAnalyticsService
import SkillPulseDaemon
import SkillPulseIngest
import SkillPulseWire
import Testing

/// docs/protocol.md is the contract clients read: its op table must be exactly what each daemon's op enum
/// holds (the enum its decoder switches over), in the order the `unknown_op` message lists them.
struct ProtocolDocumentTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// daemon → ops, from the "Ops by daemon" table.
    static func documentedOps() throws -> [String: [String]] {
        let text = try String(contentsOf: repository.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## Ops by daemon").dropFirst().first)
        var table: [String: [String]] = [:]
        for line in section.split(separator: "\n").prefix(while: { !$0.hasPrefix("## ") }) where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 3 else { continue }
            let names = cells[2].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
            table[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = names
        }
        return table
    }

    @Test func theOpTableListsExactlyWhatEachDaemonAnswers() throws {
        let documented = try Self.documentedOps()
        #expect(documented["ingest"] == IngestOp.allCases.map(\.rawValue))
        #expect(documented["analytics"] == AnalyticsOp.allCases.map(\.rawValue))
        #expect(documented["realtime-gateway"] == CommonOp.allCases.map(\.rawValue))
        #expect(documented["metrics-exporter"] == CommonOp.allCases.map(\.rawValue))
        #expect(documented.count == 4, "one row per daemon: \(documented.keys.sorted())")
    }

    @Test func everyOpHasItsOwnEntryInTheDaemonsSection() throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
        let missingSections = IngestOp.allCases.filter { $0 != .health && !text.contains("### `\($0.rawValue)`") }
        #expect(missingSections.isEmpty, "ingest ops without a section: \(missingSections.map(\.rawValue))")
        let missingRows = AnalyticsOp.allCases.filter { $0 != .health && !text.contains("| `\($0.rawValue)` |") }
        #expect(missingRows.isEmpty, "analytics ops without a table row: \(missingRows.map(\.rawValue))")
        #expect(text.contains("### `health`"), "health has no section")
    }

    @Test func theUnknownOpMessageListsTheSameOps() {
        #expect(throws: WireError(.unknownOp, "unknown op \"nope\"; ingest answers "
                                  + IngestOp.allCases.map(\.rawValue).joined(separator: ", "))) {
            try IngestOp.named("nope")
        }
        #expect(throws: WireError(.unknownOp, "unknown op \"nope\"; this daemon answers health")) {
            try CommonOp.named("nope")
        }
    }

    @Test func everyErrorCodeIsDocumented() throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
        let missing = WireErrorCode.allCases.filter { !text.contains("| `\($0.rawValue)` |") }
        #expect(missing.isEmpty, "error codes without a row: \(missing.map(\.rawValue))")
    }
}
