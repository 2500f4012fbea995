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
    private let outcomes = OutcomeQueue()
    /// Where a failed A/B write shows (`health`).
    private let storage: StorageHealth

    public init(store: ABTestStore, storage: StorageHealth = StorageHealth()) {
        self.store = store
        self.storage = storage
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
            fresh[row.testID]?.record(unit: row.userID, completed: row.completed, duration: row.durationSeconds,
                                      rating: row.userRating)
        }
        book.withLock { $0 = fresh }
    }

    public var testCount: Int { book.withLock { $0.tests.count } }

    public func create(_ request: ABTestRequest) async throws(WireError) -> ABTestRecord {
        await outcomesCommitted()
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

    /// The unit's group if already assigned (answered without a hop off the event loop); nil also when the
    /// request does not name the test's unit (the turn answers the error).
    public func existingAssignment(testID: Int64, unit key: ABUnitKey) -> (unitID: String, unit: RandomizationUnit,
                                                                           group: ABTestAssignment.Group)? {
        book.withLock { book in
            guard let test = book[testID], let id = try? key.unitID(for: test.config.unit, testID: testID),
                  let group = test.assignments[id] else { return nil }
            return (id, test.config.unit, group)
        }
    }

    /// The unit's group: the stored one if any, else the hash's (stored now). A stopped test assigns no one new.
    public func assign(testID: Int64, unit key: ABUnitKey) async throws(WireError)
        -> (unitID: String, unit: RandomizationUnit, group: ABTestAssignment.Group)
    {
        await outcomesCommitted()
        let known = book.withLock { book -> Result<(String, RandomizationUnit, ABTestAssignment.Group?, Double), WireError> in
            guard let test = book[testID] else { return .failure(Self.unknownTest(testID)) }
            let unit = test.config.unit
            let id: String
            do throws(WireError) { id = try key.unitID(for: unit, testID: testID) } catch { return .failure(error) }
            if let group = test.assignments[id] { return .success((id, unit, group, test.config.assignmentRatio)) }
            if let stored = test.excluded[id] { return .failure(Self.excludedUnit(id, unit, stored, testID)) }
            guard test.isRunning else {
                return .failure(WireError(.conflict, "A/B test \(testID) is \(test.status); it assigns no new \(unit.rawValue)s"))
            }
            return .success((id, unit, nil, test.config.assignmentRatio))
        }
        let (id, unit, existing, ratio) = try known.get()
        if let existing { return (id, unit, existing) }
        let group = ABTestAssignment.group(testID: testID, userID: id, ratio: ratio)
        let now = UTCTimestamp.now().normalized
        let final = try await write { [self] tables in
            try self.requireStored(testID, in: tables)
            let stored = try tables.assign(testID: testID, userID: id, group: group.rawValue, at: now)
            guard let final = ABTestAssignment.Group(rawValue: stored) else {
                book.withLock { $0[testID]?.excluded[id] = stored }
                throw Self.excludedUnit(id, unit, stored, testID)
            }
            book.withLock { $0[testID]?.assign(id, to: final) }
            return final
        }
        return (id, unit, final)
    }

    /// Queues an outcome for the next group commit and returns where its answer will be: the caller may
    /// release its turn at once (outcomes keep their arrival order in the queue) and await the answer after.
    public func enqueue(_ request: ABOutcomeRequest) -> AsyncPromise<Result<RecordedOutcome, WireError>> {
        let (promise, startDrain) = outcomes.enqueue(request)
        if startDrain {
            Task { await self.drainOutcomes() }
        }
        return promise
    }

    /// Records one outcome and waits for its commit.
    public func record(_ request: ABOutcomeRequest) async throws(WireError) -> RecordedOutcome {
        try await enqueue(request).value.get()
    }

    /// Waits until every outcome queued so far is committed (or failed): the other A/B writes run after them.
    public func outcomesCommitted() async {
        guard let idle = outcomes.idlePromise() else { return }
        await idle.value
    }

    /// Commits queued outcomes, a group at a time, until the queue is empty. One transaction per group: each
    /// commit writes every page it touched to the WAL, so one outcome per commit costs ~20 KB of log, and a
    /// group of a few hundred costs little more than one.
    private func drainOutcomes() async {
        while let group = outcomes.nextGroup() {
            let now = UTCTimestamp.now().normalized
            let answers: [Result<RecordedOutcome, WireError>]
            do {
                answers = try await write { [self] tables in
                    try self.recordGroup(group.map(\.request), at: now, in: tables)
                }
            } catch {
                answers = Array(repeating: .failure(error), count: group.count)
            }
            for (item, answer) in zip(group, answers) { item.promise.resolve(answer) }
        }
    }

    /// Each outcome in order, in one transaction: its own refusal (`WireError`) is its answer and writes
    /// nothing; a store error fails the group (and `write` reloads the book).
    private func recordGroup(_ requests: [ABOutcomeRequest], at now: String, in tables: ABTestTransaction) throws
        -> [Result<RecordedOutcome, WireError>]
    {
        var statuses: [Int64: String?] = [:]
        var knownSkills: Set<String> = []
        var answers: [Result<RecordedOutcome, WireError>] = []
        answers.reserveCapacity(requests.count)
        for request in requests {
            do {
                answers.append(.success(try recordOne(request, at: now, statuses: &statuses, knownSkills: &knownSkills,
                                                      in: tables)))
            } catch let refusal as WireError {
                answers.append(.failure(refusal))
            }
        }
        return answers
    }

    private func recordOne(_ request: ABOutcomeRequest, at now: String, statuses: inout [Int64: String?],
                           knownSkills: inout Set<String>, in tables: ABTestTransaction) throws -> RecordedOutcome {
        let testID = request.testID
        // The tables may have moved under us (a stop or a delete by hand): they decide.
        let status: String?
        if let cached = statuses[testID] { status = cached } else {
            status = try tables.status(testID: testID)
            statuses[testID] = status
        }
        guard let status else {
            book.withLock { $0.remove(testID) }
            throw Self.unknownTest(testID)
        }
        let test = try book.withLock { book throws(WireError) -> ABTestRecord in
            guard let test = book[testID] else { throw Self.unknownTest(testID) }
            return test
        }
        let unit = test.config.unit
        let id = try request.unit.unitID(for: unit, testID: testID)
        if let key = request.idempotencyKey, let first = try tables.outcome(testID: testID, idempotencyKey: key) {
            // A retry: the first outcome's answer, nothing counted (whatever else the retry says).
            return RecordedOutcome(outcomeID: first.id, unitID: first.unitID, unit: unit,
                                   group: test.assignments[first.unitID], duplicate: true)
        }
        guard status != "stopped", test.isRunning else {
            throw WireError(.conflict, "A/B test \(testID) is stopped; it records no outcomes")
        }
        if let stored = test.excluded[id] { throw Self.excludedUnit(id, unit, stored, testID) }
        guard let group = test.assignments[id] else {
            throw WireError.notFound("\(unit.rawValue) \"\(id.prefix(128))\" is not assigned to A/B test \(testID); "
                                     + "call assign_ab_test first")
        }
        if !knownSkills.contains(request.skillName) {
            guard try tables.skillExists(request.skillName) else {
                throw WireError.notFound("skill \"\(request.skillName.prefix(128))\" has never been invoked "
                                         + "(ab_test_outcomes.skill_name references skill_metrics)")
            }
            knownSkills.insert(request.skillName)
        }
        let outcomeID = try tables.insertOutcome(testID: testID, userID: id, skillName: request.skillName,
                                                 completed: request.completed, durationSeconds: request.durationSeconds,
                                                 userRating: request.userRating, idempotencyKey: request.idempotencyKey,
                                                 at: now)
        _ = book.withLock {
            $0[testID]?.record(unit: id, completed: request.completed, duration: request.durationSeconds,
                               rating: request.userRating)
        }
        return RecordedOutcome(outcomeID: outcomeID, unitID: id, unit: unit, group: group, duplicate: false)
    }

    public func test(_ testID: Int64) throws(WireError) -> ABTestRecord {
        guard let test = book.withLock({ $0[testID] }) else { throw Self.unknownTest(testID) }
        return test
    }

    /// Stops a test (idempotent: stopping a stopped test returns it as it is).
    public func stop(_ testID: Int64) async throws(WireError) -> ABTestRecord {
        await outcomesCommitted()
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
            let result = try await store.transaction(body)
            storage.succeeded(.writes)
            return result
        } catch let error as WireError {
            throw error
        } catch {
            storage.failed(.writes, "write the A/B tables", error)
            try? await load()
            // The store's words ("the disk is full", "database is busy"), never SQLite's raw text.
            throw WireError.unavailable("A/B tables not written: \(StorageHealth.cause(of: error)); retry")
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

    static func excludedUnit(_ id: String, _ unit: RandomizationUnit, _ group: String, _ testID: Int64) -> WireError {
        WireError(.conflict, "\(unit.rawValue) \"\(id.prefix(128))\" is stored in group \"\(group.prefix(64))\" of A/B test "
                  + "\(testID), which is neither control nor treatment; it counts in no arm")
    }

    static func unknownTest(_ id: Int64) -> WireError {
        WireError.notFound("no A/B test with test_id \(id)")
    }

    /// SkillPulse keeps the metric and the minimum detectable effect in `metrics` as a JSON object (V4 has no
    /// column for the effect); the reference wrote a comma-joined list of metric names.
    static func metricsJSON(_ request: ABTestRequest) -> String {
        var object: [String: JSONValue] = ["metric": .string(request.metric)]
        if let effect = request.minimumDetectableEffect { object["minimum_detectable_effect"] = .number(effect) }
        if request.unit != .user { object["randomization_unit"] = .string(request.unit.rawValue) }
        let data = (try? JSONEncoder.sortedKeys.encode(JSONValue.object(object))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func config(from row: ABTestConfigRow, id: Int64? = nil) -> ABTestConfig {
        var metric = "completion_rate"
        var effect: Double?
        var unit = RandomizationUnit.user
        if let stored = row.metrics?.trimmingCharacters(in: .whitespaces), !stored.isEmpty {
            if stored.hasPrefix("{"), let value = try? JSONDecoder().decode(JSONValue.self, from: Data(stored.utf8)) {
                metric = value["metric"]?.stringValue ?? metric
                effect = value["minimum_detectable_effect"]?.doubleValue
                unit = value["randomization_unit"]?.stringValue.flatMap(RandomizationUnit.init(rawValue:)) ?? .user
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
                            minimumDetectableEffect: effect, unit: unit, startDate: row.startDate)
    }
}

extension JSONEncoder {
    fileprivate static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}
