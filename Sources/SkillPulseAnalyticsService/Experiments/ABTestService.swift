import Foundation
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseStore
import SkillPulseWire
import Synchronization

/// A/B tests: the V4 tables are the record, an in-memory `ABTestBook` answers.
///
/// Every change is written first, in one short `BEGIN IMMEDIATE` transaction (`ABTestStore.transaction`), and
/// applied to the book inside that transaction's body: the writer's queue runs bodies one at a time, so the book sees outcomes in
/// `outcome_id` order — the order a restart replays them in, which keeps the sequential test's running minimum
/// identical across restarts. If a commit fails after its body ran, the book is reloaded from the tables.
public final class ABTestService: Sendable {
    private let book = Mutex(ABTestBook())
    private let store: ABTestStore

    public init(store: ABTestStore) {
        self.store = store
    }

    /// Reads every test, assignment and outcome (start-up, and after a failed commit).
    public func load() async throws {
        let loaded = try await store.load()
        var fresh = ABTestBook()
        for row in loaded.configs {
            fresh.add(ABTestRecord(config: Self.config(from: row), status: row.status, endDate: row.endDate))
        }
        for row in loaded.assignments {
            guard let group = ABTestAssignment.Group(rawValue: row.groupName) else {
                if fresh[row.testID]?.assignments[row.userID] == nil { fresh[row.testID]?.excluded[row.userID] = row.groupName }
                continue
            }
            fresh[row.testID]?.assign(row.userID, to: group)
        }
        for row in loaded.outcomes {
            fresh[row.testID]?.record(user: row.userID, completed: row.completed, duration: row.durationSeconds,
                                      rating: row.userRating)
        }
        book.withLock { $0 = fresh }
    }

    public var testCount: Int { book.withLock { $0.tests.count } }

    public func create(_ request: ABTestRequest) async throws(WireError) -> ABTestRecord {
        let now = UTCTimestamp.now().normalized
        let row = ABTestConfigRow(testID: 0, testName: request.name, description: request.description,
                                  controlStrategy: request.controlStrategy, treatmentStrategy: request.treatmentStrategy,
                                  startDate: now, endDate: nil, minSampleSize: request.minimumSampleSize,
                                  metrics: Self.metricsJSON(request), assignmentRatio: request.assignmentRatio,
                                  status: "running")
        return try await write { [self] tables in
            guard try !tables.nameExists(request.name) else {
                throw WireError(.conflict, "an A/B test named \"\(request.name.prefix(128))\" already exists")
            }
            let id = try tables.insert(row, createdAt: now)
            let record = ABTestRecord(config: Self.config(from: row, id: id), status: "running", endDate: nil)
            book.withLock { $0.add(record) }
            return record
        }
    }

    /// The user's group if already assigned (answered without a hop off the event loop).
    public func existingGroup(testID: Int64, user: String) -> ABTestAssignment.Group? {
        book.withLock { $0[testID]?.assignments[user] }
    }

    /// The user's group: the stored one if any, else the hash's (stored now). A stopped test assigns no one new.
    public func assign(testID: Int64, user: String) async throws(WireError) -> ABTestAssignment.Group {
        let known = book.withLock { book -> Result<ABTestAssignment.Group?, WireError> in
            guard let test = book[testID] else { return .failure(Self.unknownTest(testID)) }
            if let group = test.assignments[user] { return .success(group) }
            if let stored = test.excluded[user] { return .failure(Self.excludedUser(user, stored, testID)) }
            guard test.isRunning else {
                return .failure(WireError(.conflict, "A/B test \(testID) is \(test.status); it assigns no new users"))
            }
            return .success(nil)
        }
        if let group = try known.get() { return group }
        let ratio = book.withLock { $0[testID]?.config.assignmentRatio } ?? 0.5
        let group = ABTestAssignment.group(testID: testID, userID: user, ratio: ratio)
        let now = UTCTimestamp.now().normalized
        return try await write { [self] tables in
            try self.requireStored(testID, in: tables)
            let stored = try tables.assign(testID: testID, userID: user, group: group.rawValue, at: now)
            guard let final = ABTestAssignment.Group(rawValue: stored) else {
                book.withLock { $0[testID]?.excluded[user] = stored }
                throw Self.excludedUser(user, stored, testID)
            }
            book.withLock { $0[testID]?.assign(user, to: final) }
            return final
        }
    }

    public func record(_ request: ABOutcomeRequest) async throws(WireError) -> (outcomeID: Int64, group: ABTestAssignment.Group) {
        try book.withLock { book throws(WireError) in
            guard let test = book[request.testID] else { throw Self.unknownTest(request.testID) }
            guard test.isRunning else {
                throw WireError(.conflict, "A/B test \(request.testID) is \(test.status); it records no outcomes")
            }
            if let stored = test.excluded[request.user] { throw Self.excludedUser(request.user, stored, request.testID) }
        }
        let now = UTCTimestamp.now().normalized
        return try await write { [self] tables in
            // The tables may have moved under us (a stop or a delete by hand): they decide.
            guard try self.requireStored(request.testID, in: tables) != "stopped" else {
                throw WireError(.conflict, "A/B test \(request.testID) is stopped; it records no outcomes")
            }
            // Read here, in the writer's order: an `assign_ab_test` pipelined just before this request has its
            // write queued ahead of this one, and its assignment is in the book by now.
            guard let group = book.withLock({ $0[request.testID]?.assignments[request.user] }) else {
                throw WireError.notFound("user \"\(request.user.prefix(128))\" is not assigned to A/B test \(request.testID); "
                                         + "call assign_ab_test first")
            }
            guard try tables.skillExists(request.skillName) else {
                throw WireError.notFound("skill \"\(request.skillName.prefix(128))\" has never been invoked "
                                         + "(ab_test_outcomes.skill_name references skill_metrics)")
            }
            let id = try tables.insertOutcome(testID: request.testID, userID: request.user, skillName: request.skillName,
                                              completed: request.completed, durationSeconds: request.durationSeconds,
                                              userRating: request.userRating, at: now)
            _ = book.withLock {
                $0[request.testID]?.record(user: request.user, completed: request.completed,
                                           duration: request.durationSeconds, rating: request.userRating)
            }
            return (id, group)
        }
    }

    public func test(_ testID: Int64) throws(WireError) -> ABTestRecord {
        guard let test = book.withLock({ $0[testID] }) else { throw Self.unknownTest(testID) }
        return test
    }

    /// Stops a test (idempotent: stopping a stopped test returns it as it is).
    public func stop(_ testID: Int64) async throws(WireError) -> ABTestRecord {
        _ = try test(testID)
        let now = UTCTimestamp.now().normalized
        return try await write { [self] tables in
            guard let end = try tables.stop(testID: testID, at: now) else {
                book.withLock { $0.remove(testID) }
                throw Self.unknownTest(testID)
            }
            return try book.withLock { book throws(WireError) -> ABTestRecord in
                guard var test = book[testID] else { throw Self.unknownTest(testID) }
                test.status = "stopped"
                test.endDate = end
                book[testID] = test
                return test
            }
        }
    }

    public func all() -> [ABTestRecord] { book.withLock { $0.all } }

    /// Runs `body` in one IMMEDIATE transaction; a `WireError` thrown inside rolls it back and is passed on,
    /// a busy database is `unavailable`, and a failure after the body may have touched the book reloads it.
    private func write<T: Sendable>(_ body: @escaping @Sendable (ABTestTransaction) throws -> T) async throws(WireError)
        -> T
    {
        do {
            return try await store.transaction(body)
        } catch let error as WireError {
            throw error
        } catch let error as StoreError {
            try? await load()
            throw WireError.unavailable("A/B tables not written: \(error.description); retry")
        } catch {
            try? await load()
            throw WireError.unavailable("A/B tables not written: \(error); retry")
        }
    }

    /// The test's stored status; a test whose row was deleted (by hand) leaves the book and is `not_found`.
    @discardableResult
    private func requireStored(_ testID: Int64, in tables: ABTestTransaction) throws -> String {
        guard let status = try tables.status(testID: testID) else {
            book.withLock { $0.remove(testID) }
            throw Self.unknownTest(testID)
        }
        return status
    }

    static func excludedUser(_ user: String, _ group: String, _ testID: Int64) -> WireError {
        WireError(.conflict, "user \"\(user.prefix(128))\" is stored in group \"\(group.prefix(64))\" of A/B test \(testID), "
                  + "which is neither control nor treatment; it counts in no arm")
    }

    static func unknownTest(_ id: Int64) -> WireError {
        WireError.notFound("no A/B test with test_id \(id)")
    }

    /// SkillPulse keeps the metric and the minimum detectable effect in `metrics` as a JSON object (V4 has no
    /// column for the effect); the reference wrote a comma-joined list of metric names.
    static func metricsJSON(_ request: ABTestRequest) -> String {
        var object: [String: JSONValue] = ["metric": .string(request.metric)]
        if let effect = request.minimumDetectableEffect { object["minimum_detectable_effect"] = .number(effect) }
        let data = (try? JSONEncoder.sortedKeys.encode(JSONValue.object(object))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func config(from row: ABTestConfigRow, id: Int64? = nil) -> ABTestConfig {
        var metric = "completion_rate"
        var effect: Double?
        if let stored = row.metrics?.trimmingCharacters(in: .whitespaces), !stored.isEmpty {
            if stored.hasPrefix("{"), let value = try? JSONDecoder().decode(JSONValue.self, from: Data(stored.utf8)) {
                metric = value["metric"]?.stringValue ?? metric
                effect = value["minimum_detectable_effect"]?.doubleValue
            } else if let first = stored.split(separator: ",").first {
                metric = first.trimmingCharacters(in: .whitespaces)
            }
        }
        // Hand-written settings outside what create_ab_test accepts are read as its defaults.
        if !AnalyticsOperation.abTestMetrics.contains(metric) { metric = "completion_rate" }
        if let value = effect, !(value > 0 && value < 1) { effect = nil }
        let ratio = row.assignmentRatio > 0 && row.assignmentRatio < 1 ? row.assignmentRatio : 0.5
        return ABTestConfig(testID: id ?? row.testID, name: row.testName, description: row.description,
                            controlStrategy: row.controlStrategy, treatmentStrategy: row.treatmentStrategy,
                            assignmentRatio: ratio, minimumSampleSize: max(1, row.minSampleSize), metric: metric,
                            minimumDetectableEffect: effect, startDate: row.startDate)
    }
}

extension JSONEncoder {
    fileprivate static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}
