import Foundation
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A/B decisions through the real daemons: simulated experiments sent as `record_ab_outcome` requests from
/// several connections at once (so outcomes share group commits), each test's answer compared with the
/// validated procedure (`SequentialRateTest`) replayed over the rows `sqlite3` reads back, and the error rates
/// counted; idempotency keys and session-randomized tests.
@Suite(.serialized)
struct ABTestDecisionServiceTests {
    typealias Service = AnalyticsModelServiceTests

    /// Sends `calls` over `clients` with `perClient` requests in flight on each; every answer must be ok.
    static func send(_ calls: [(op: String, params: JSONValue)], over clients: [WireClient], perClient: Int = 8)
        async throws -> [JSONValue]
    {
        try await withThrowingTaskGroup(of: [(Int, JSONValue)].self) { group in
            let workers = clients.count * perClient
            for worker in 0..<workers {
                let client = clients[worker % clients.count]
                group.addTask {
                    var answers: [(Int, JSONValue)] = []
                    for index in stride(from: worker, to: calls.count, by: workers) {
                        answers.append((index, try await client.call(calls[index].op, params: calls[index].params).get()))
                    }
                    return answers
                }
            }
            var all = [JSONValue](repeating: .null, count: calls.count)
            for try await answers in group { for (index, answer) in answers { all[index] = answer } }
            return all
        }
    }

    /// One simulated experiment per test: assigns its units, records its outcomes, returns the test ids.
    static func run(_ simulation: SimulatedExperiment, tests count: Int, name: String, effect: Double?,
                    controlShare: Double = 0.5, seed: UInt64, clients: [WireClient]) async throws -> [Int64] {
        var ids: [Int64] = []
        for index in 0..<count {
            var params: [String: JSONValue] = ["test_name": .string("\(name)-\(index)"), "control_strategy": "a",
                                               "treatment_strategy": "b", "assignment_ratio": .number(controlShare)]
            if let effect { params["minimum_detectable_effect"] = .number(effect) }
            let created = try await clients[0].call("create_ab_test", params: .object(params)).get()
            ids.append(try #require(created["test_id"]?.intValue))
        }
        var assigns: [(op: String, params: JSONValue)] = []
        var outcomes: [(op: String, params: JSONValue)] = []
        for (index, testID) in ids.enumerated() {
            let generated = simulation.generate(seed: seed &+ UInt64(index) &* 7919) {
                ABTestAssignment.group(testID: testID, userID: $0, ratio: controlShare) == .treatment
            }
            for unit in Set(generated.map(\.unit)).sorted() {
                assigns.append(("assign_ab_test", ["test_id": .integer(testID), "user_id": .string(unit)]))
            }
            for outcome in generated {
                outcomes.append(("record_ab_outcome", ["test_id": .integer(testID), "user_id": .string(outcome.unit),
                                                       "skill_name": "lint", "completed": .bool(outcome.completed)]))
            }
        }
        _ = try await send(assigns, over: clients)
        // Interleave the tests' streams as many users of many tests would send them: a shuffled sequence of test
        // numbers, each taking its test's next outcome, so every test keeps its own order.
        var random = SplitMix64(seed: seed)
        var turns = outcomes.map { $0.params["test_id"]?.intValue ?? 0 }
        for index in turns.indices.reversed() where index > 0 {
            turns.swapAt(index, Int(random.next() % UInt64(index + 1)))
        }
        var queues = Dictionary(grouping: outcomes) { $0.params["test_id"]?.intValue ?? 0 }.mapValues { $0[...] }
        let interleaved = turns.map { queues[$0]!.removeFirst() }
        _ = try await send(interleaved, over: clients)
        return ids
    }

    /// The procedure replayed over the stored rows in `outcome_id` order (the order the daemon looked in).
    static func replay(_ database: String, testID: Int64, effect: Double?) throws -> SequentialRateTest {
        let groups = try OutsideTools.query(database, "SELECT user_id, group_name FROM ab_test_assignments WHERE test_id = ?",
                                            [.integer(testID)])
        var treatment: [String: Bool] = [:]
        for row in groups { treatment[row[0].string ?? ""] = row[1].string == "treatment" }
        let rows = try OutsideTools.query(database, """
            SELECT user_id, completed FROM ab_test_outcomes WHERE test_id = ? ORDER BY outcome_id
            """, [.integer(testID)])
        var test = SequentialRateTest(mixingScale: effect ?? 0.05, minimumPerArm: 100, minimumDetectableEffect: effect)
        for row in rows {
            let unit = row[0].string ?? ""
            test.record(unit: unit, treatment: treatment[unit] ?? false, completed: row[1].int == 1)
        }
        return test
    }

    /// Checks each test's summary against the replay; returns the decisions' `basis` counts.
    static func compare(_ ids: [Int64], effect: Double?, daemons: (analytics: WireClient, database: String))
        async throws -> [String: Int]
    {
        var bases: [String: Int] = [:]
        for testID in ids {
            let summary = try await daemons.analytics.call("get_ab_test_summary", params: ["test_id": .integer(testID)]).get()
            let replayed = try replay(daemons.database, testID: testID, effect: effect)
            #expect(abs((summary["always_valid_p_value"]?.doubleValue ?? -1) - replayed.pValue) < 1e-9, "test \(testID)")
            if let decided = replayed.decision {
                bases[decided.kind.rawValue, default: 0] += 1
                #expect(summary["decided_at"]?["basis"]?.stringValue == decided.kind.rawValue, "test \(testID): \(summary)")
                #expect(summary["decided_at"]?["control_n"]?.intValue == Int64(decided.controlOutcomes), "test \(testID)")
                #expect(summary["decision"]?.stringValue == (decided.kind == .treatmentBetter ? "ship_treatment" : "keep_control"))
            } else {
                bases["none", default: 0] += 1
                #expect(summary["decision"]?.stringValue == "continue" && summary["decided_at"] == nil, "test \(testID)")
            }
        }
        return bases
    }

    @Test func decisionsThroughTheDaemonFollowTheProcedureAndKeepTheirErrorRates() async throws {
        let (ingest, writer, analytics, client) = try await Service.abTestDaemons()
        var clients = [client]
        for _ in 0..<3 { clients.append(try await analytics.client()) }
        let database = ingest.databasePath

        // The daemon must give each test exactly the procedure's answer (`compare`); the procedure's rates are
        // measured precisely by SequentialRateTestTests, and these few tests only bound them coarsely.
        // A/A, users who differ in their own rates (logit-normal, σ 1.5 around 70 %), 50 users per test.
        let aa = SimulatedExperiment(units: 50, outcomes: 1_000, rates: .logitNormal(mean: 0.7, spread: 1.5), unitPrefix: "aa")
        let aaIDs = try await Self.run(aa, tests: 30, name: "aa", effect: nil, seed: 21, clients: clients)
        let aaBases = try await Self.compare(aaIDs, effect: nil, daemons: (client, database))
        let aaFalse = (aaBases["treatment_better"] ?? 0) + (aaBases["control_better"] ?? 0)
        print("through the daemon: A/A heterogeneous, 30 tests: \(aaBases)")
        #expect(aaFalse <= 2, "false decisions in \(aaFalse) of 30 A/A tests: \(aaBases)")

        // Rare events at a 90/10 split: 1 % completion.
        let rare = SimulatedExperiment(units: 400, outcomes: 1_500, rates: .equal(0.01), unitPrefix: "rare")
        let rareIDs = try await Self.run(rare, tests: 15, name: "rare", effect: nil, controlShare: 0.9, seed: 5, clients: clients)
        let rareBases = try await Self.compare(rareIDs, effect: nil, daemons: (client, database))
        print("through the daemon: A/A 90/10 at 1 %, 15 tests: \(rareBases)")
        #expect((rareBases["treatment_better"] ?? 0) + (rareBases["control_better"] ?? 0) <= 1, "\(rareBases)")

        // A true lift equal to the minimum detectable effect (10 points on 30–60 %).
        let lift = SimulatedExperiment(units: 300, outcomes: 2_000, rates: .uniform(0.3, 0.6), lift: 0.1, unitPrefix: "lift")
        let liftIDs = try await Self.run(lift, tests: 15, name: "lift", effect: 0.1, seed: 8, clients: clients)
        let liftBases = try await Self.compare(liftIDs, effect: 0.1, daemons: (client, database))
        print("through the daemon: lift = MDE, 15 tests: \(liftBases)")
        #expect((liftBases["treatment_better"] ?? 0) >= 11, "\(liftBases)")
        #expect((liftBases["no_lift_of_effect"] ?? 0) <= 1, "\(liftBases)")

        for connection in clients { await connection.close() }
        #expect(await analytics.stop() == 0)
        withExtendedLifetime((ingest, writer)) {}
    }
}

extension ABTestDecisionServiceTests {
    /// A retry with the same `idempotency_key` counts once, before and after a `kill -9`; the same key in another
    /// test is another outcome.
    @Test func aRetriedOutcomeCountsOnce() async throws {
        let (ingest, writer, analytics, client) = try await Service.abTestDaemons()
        var ids: [Int64] = []
        for name in ["retry-a", "retry-b"] {
            let created = try await client.call("create_ab_test", params: ["test_name": .string(name), "control_strategy": "a",
                                                                           "treatment_strategy": "b"]).get()
            ids.append(try #require(created["test_id"]?.intValue))
            _ = try await client.call("assign_ab_test", params: ["test_id": .integer(ids.last!), "user_id": "u1"]).get()
        }
        let fields: [String: JSONValue] = ["test_id": .integer(ids[0]), "user_id": "u1", "skill_name": "lint",
                                           "completed": true, "idempotency_key": "outcome-1"]
        let params = JSONValue.object(fields)
        let first = try await client.call("record_ab_outcome", params: params).get()
        #expect(first["recorded"]?.boolValue == true && first["duplicate"]?.boolValue == false)
        let again = try await client.call("record_ab_outcome", params: params).get()
        #expect(again["duplicate"]?.boolValue == true && again["recorded"]?.boolValue == false
                && again["outcome_id"] == first["outcome_id"] && again["group_name"] == first["group_name"], "\(again)")
        // Pipelined retries in one group commit count once too.
        let socket = try RawSocket(path: analytics.socketPath)
        for index in 0..<6 {
            socket.sendJSON(#"{"id":\#(index),"op":"record_ab_outcome","params":{"test_id":\#(ids[0]),"user_id":"u1","skill_name":"lint","completed":false,"idempotency_key":"outcome-2"}}"#)
        }
        var duplicates = 0
        for _ in 0..<6 {
            let reply = try #require(socket.readFrame())
            let result = try #require(reply["result"] as? [String: Any], "\(reply)")
            if result["duplicate"] as? Bool == true { duplicates += 1 }
        }
        #expect(duplicates == 5)
        let other = try await client.call("record_ab_outcome", params: ["test_id": .integer(ids[1]), "user_id": "u1",
                                                                        "skill_name": "lint", "completed": true,
                                                                        "idempotency_key": "outcome-1"]).get()
        #expect(other["duplicate"]?.boolValue == false)
        let summary = try await client.call("get_ab_test_summary", params: ["test_id": .integer(ids[0])]).get()
        let n = (summary["control"]?["n"]?.intValue ?? 0) + (summary["treatment"]?["n"]?.intValue ?? 0)
        #expect(n == 2, "\(summary)")
        #expect(try OutsideTools.query(ingest.databasePath, "SELECT count(*) FROM ab_test_outcomes WHERE test_id = ?",
                                       [.integer(ids[0])])[0][0].int == 2)

        #expect(await analytics.stop(signal: SIGKILL) != nil)
        let restarted = try await DaemonProcess("analytics", directory: ingest.directory)
        let later = try await restarted.client()
        let afterRestart = try await later.call("record_ab_outcome", params: params).get()
        #expect(afterRestart["duplicate"]?.boolValue == true && afterRestart["outcome_id"] == first["outcome_id"])
        // A retry after a stop still answers as the first; a new key is refused.
        _ = try await later.call("stop_ab_test", params: ["test_id": .integer(ids[0])]).get()
        #expect(try await later.call("record_ab_outcome", params: params).get()["duplicate"]?.boolValue == true)
        var fresh = fields
        fresh["idempotency_key"] = "outcome-3"
        #expect(try await Service.failure(later, "record_ab_outcome", .object(fresh))?.code == .conflict)
        var bad = fields
        bad["idempotency_key"] = " padded"
        let refused = try await Service.failure(later, "record_ab_outcome", .object(bad))
        #expect(refused?.code == .badRequest && refused?.message.contains("idempotency_key") == true, "\(String(describing: refused))")
        await later.close()
        #expect(await restarted.stop() == 0)
        withExtendedLifetime((ingest, writer, socket)) {}
    }

    /// A session-randomized test: one developer's sessions land in both arms; outcomes name the session;
    /// the analysis counts sessions.
    @Test func aSessionRandomizedTestPutsOneUsersSessionsInBothArms() async throws {
        let (ingest, writer, analytics, client) = try await Service.abTestDaemons()
        let created = try await client.call("create_ab_test", params: ["test_name": "by-session", "control_strategy": "a",
                                                                       "treatment_strategy": "b",
                                                                       "randomization_unit": "session"]).get()
        #expect(created["randomization_unit"]?.stringValue == "session")
        let testID = try #require(created["test_id"]?.intValue)
        var groups: [String: String] = [:]
        for index in 0..<20 {
            let answer = try await client.call("assign_ab_test", params: ["test_id": .integer(testID), "user_id": "dev",
                                                                          "session_id": .string("s\(index)")]).get()
            #expect(answer["session_id"]?.stringValue == "s\(index)" && answer["randomization_unit"]?.stringValue == "session")
            groups["s\(index)"] = answer["group_name"]?.stringValue
            let expected = ABTestAssignment.group(testID: testID, userID: "s\(index)", ratio: 0.5).rawValue
            #expect(groups["s\(index)"] == expected)
        }
        #expect(Set(groups.values) == ["control", "treatment"], "one developer, both arms: \(groups)")
        let recorded = try await client.call("record_ab_outcome", params: ["test_id": .integer(testID), "user_id": "dev",
                                                                           "session_id": "s0", "skill_name": "lint",
                                                                           "completed": true]).get()
        #expect(recorded["session_id"]?.stringValue == "s0" && recorded["user_id"]?.stringValue == "dev"
                && recorded["group_name"]?.stringValue == groups["s0"])
        let missing = try await Service.failure(client, "record_ab_outcome", ["test_id": .integer(testID), "user_id": "dev",
                                                                              "skill_name": "lint", "completed": true])
        #expect(missing?.code == .badRequest && missing?.message.contains("session_id") == true, "\(String(describing: missing))")
        let unknownUnit = try await Service.failure(client, "create_ab_test", ["test_name": "x", "control_strategy": "a",
                                                                               "treatment_strategy": "b",
                                                                               "randomization_unit": "team"])
        #expect(unknownUnit?.code == .badRequest && unknownUnit?.message.contains("randomization_unit") == true)
        // A user-randomized test asked by session alone names the field it needs.
        let byUser = try await client.call("create_ab_test", params: ["test_name": "by-user", "control_strategy": "a",
                                                                      "treatment_strategy": "b"]).get()
        let needsUser = try await Service.failure(client, "assign_ab_test", ["test_id": byUser["test_id"]!, "session_id": "s1"])
        #expect(needsUser?.code == .badRequest && needsUser?.message.contains("user_id") == true)
        // The unit survives a restart (it is kept in ab_test_configs.metrics).
        #expect(await analytics.stop() == 0)
        let restarted = try await DaemonProcess("analytics", directory: ingest.directory)
        let later = try await restarted.client()
        let summary = try await later.call("get_ab_test_summary", params: ["test_id": .integer(testID)]).get()
        #expect(summary["randomization_unit"]?.stringValue == "session")
        let arm = groups["s0"] == "control" ? "control" : "treatment"
        #expect(summary[arm]?["n"]?.intValue == 1 && summary[arm]?["units_with_outcomes"]?.intValue == 1, "\(summary)")
        await later.close()
        #expect(await restarted.stop() == 0)
        withExtendedLifetime((writer, client)) {}
    }
}
