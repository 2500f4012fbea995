import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Review finding: a client that pipelined thousands of expensive requests and hung up kept analytics busy for
/// 17–100 s (every request was computed for nobody) and a fresh `health` timed out. Queued requests of a
/// connection that is gone are dropped, and one connection has at most 16 in flight.
@Suite(.serialized)
struct AnalyticsAbandonedWorkTests {
    /// CPU seconds the process has used (utime + stime from /proc).
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// analytics on 200,000 rows, and how long one expensive request (a 90-day MAD anomaly pass) takes alone.
    static func analyticsWithHistory(_ name: String) async throws -> (analytics: DaemonProcess, each: Duration) {
        let directory = try TemporaryDirectory(name)
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        try await AnalyticsStartupTests.bulkInsert(database, count: 200_000)
        let analytics = try await DaemonProcess("analytics", directory: directory)
        let client = try await analytics.client()
        let one = ContinuousClock.now
        _ = try await client.call("detect_anomalies", params: ["time_window_hours": 2160, "method": "mad"]).get()
        let each = ContinuousClock.now - one
        await client.close()
        return (analytics, each)
    }

    @Test func requestsOfAClientThatHungUpAreNotComputed() async throws {
        let (analytics, each) = try await Self.analyticsWithHistory("analytics-abandoned")

        let count = 2_000
        do {
            let socket = try RawSocket(path: analytics.socketPath)
            // The server stops reading a connection with 16 requests in flight whose replies are not read: the
            // send gives up after a second (what did not fit was never sent, as with a client that died).
            var timeout = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(socket.fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let payload = Array(#"{"id":1,"op":"detect_anomalies","params":{"time_window_hours":2160,"method":"mad"}}"#.utf8)
            let frame = RawSocket.header(UInt32(payload.count)) + payload
            socket.send(Array((0..<count).map { _ in frame }.joined()))
        }  // closed here, without reading a reply
        let cpuBefore = Self.cpuSeconds(analytics.pid)
        try await Task.sleep(for: .seconds(1))
        let fresh = try await analytics.client()
        let asked = ContinuousClock.now
        _ = try await fresh.call("health").get()
        let healthTook = ContinuousClock.now - asked
        await fresh.close()
        try await Task.sleep(for: .seconds(2))
        let busy = Self.cpuSeconds(analytics.pid) - cpuBefore
        let wouldBe = Double(count) * Double(each.components.attoseconds) / 1e18 + Double(each.components.seconds) * Double(count)
        // 16 in flight at most, and nothing queued after the hang-up: a few seconds of CPU at worst, not the
        // `count` × `each` of computing every request.
        #expect(healthTook < .seconds(3), "health took \(healthTook)")
        #expect(busy < min(5, wouldBe / 4), "\(busy) CPU s in the 3 s after the hang-up; every request would take \(wouldBe) s")
        #expect(await analytics.stop() == 0)
    }

    /// Review finding: clients that pipelined 16 heavy requests, waited 50 ms (so all were read and queued on
    /// the query workers) and hung up had every request computed — 100 of them kept two cores busy for 100 s,
    /// a new client's query waited 90 s and `connections_active` stayed up. A job whose connection is gone
    /// before a worker takes it is skipped: about one request per connection is computed (the first, whose
    /// reply finds the peer gone).
    @Test func heavyRequestsQueuedOnTheWorkersForClientsThatLeftAreSkipped() async throws {
        let (analytics, one) = try await Self.analyticsWithHistory("analytics-left-queued")
        let each = one.seconds
        let client = try await analytics.client()
        let connections = 8
        let payload = Array(#"{"id":1,"op":"detect_anomalies","params":{"time_window_hours":2160,"method":"mad"}}"#.utf8)
        let frames = Array((0..<16).map { _ in RawSocket.header(UInt32(payload.count)) + payload }.joined())
        let cpuBefore = Self.cpuSeconds(analytics.pid)
        for _ in 0..<connections {
            let socket = try RawSocket(path: analytics.socketPath)
            socket.send(frames)
            try await Task.sleep(for: .milliseconds(50))
        }  // each closed without reading a reply
        // The connections are gone once their owed work is: wait for that.
        var active = Int64.max
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            active = try await client.call("stats").get()["connections_active"]?.intValue ?? .max
            if active <= 1 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let busy = Self.cpuSeconds(analytics.pid) - cpuBefore
        #expect(active <= 1, "\(active) connections still counted")
        // Every request computed would be 16 per connection; a few per connection at most is the bound.
        #expect(busy < Double(connections) * 4 * each + 1,
                "\(busy) CPU s for \(connections) hung-up connections; one request takes \(each) s")
        // A new client's heavy query waits, in its turn, for at most what is still computed for the others (about
        // one request each), not for all 16 of each.
        let fresh = ContinuousClock.now
        _ = try await client.call("get_community_baselines", params: ["limit": 5]).get()
        let waited = (ContinuousClock.now - fresh).seconds
        #expect(waited < Double(connections) * 2 * each + 5, "\(waited) s; one request takes \(each) s")
        await client.close()
        #expect(await analytics.stop() == 0)
    }
}
