import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// analytics, realtime-gateway and metrics-exporter before their own features: schema check, health, drain.
@Suite(.serialized)
struct SchemaCheckedDaemonTests {
    static let services = ["analytics", "realtime-gateway", "metrics-exporter"]

    @Test(arguments: services)
    func answersHealthAndExitsCleanlyOnSigterm(service: String) async throws {
        let daemon = try await DaemonProcess(service)
        let client = try await daemon.client()
        let health = try await client.call("health").get()
        #expect(DaemonHealth.serving(health["status"]?.stringValue, service: service))
        #expect(health["service"]?.stringValue == service)
        #expect(health["db"]?["schema_version"]?.intValue == 10)
        #expect(health["db"]?["wal"]?.boolValue == true)
        let unknown = try await client.call("top_skills")
        #expect(unknown.result.failureCode == .unknownOp)
        await client.close()
        #expect(await daemon.stop(signal: SIGTERM) == 0)
    }

    @Test(arguments: services)
    func refusesAnUnmigratedDatabase(service: String) throws {
        let directory = try TemporaryDirectory(service)
        let path = directory.path("empty.db")
        let raw = try Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"), [path, "CREATE TABLE t(x);"])
        try #require(raw.status == 0)
        let result = try Binaries.runProcess(Binaries.url(service), ["--db", path, "--runtime-dir", directory.path("run")])
        #expect(result.status != 0)
        #expect(result.stderr.contains("skillpulse migrate"), "\(result.stderr)")
    }
}
