import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Hostile and broken input: each gets its documented error or a clean close, and ingest keeps serving.
@Suite(.serialized)
struct IngestBadInputTests {
    /// A well-behaved client that must keep getting answers while others misbehave.
    static func assertStillServing(_ daemon: DaemonProcess, _ bystander: WireClient) async throws {
        #expect(try await IngestTraffic.track(bystander, session: "bystander") != nil)
        #expect(try await bystander.call("health").get()["status"]?.stringValue == "healthy")
        #expect(daemon.process.isRunning)
    }

    static func error(_ frame: [String: Any]?) -> (code: String?, message: String?) {
        let error = frame?["error"] as? [String: Any]
        return (error?["code"] as? String, error?["message"] as? String)
    }

    @Test func zeroLengthFrameGetsBadFrameThenClose() async throws {
        let daemon = try await DaemonProcess()
        let bystander = try await daemon.client()
        let peer = try RawSocket(path: daemon.socketPath)
        peer.send(RawSocket.header(0))
        #expect(Self.error(peer.readFrame()).code == "bad_frame")
        #expect(peer.isClosedByPeer())
        try await Self.assertStillServing(daemon, bystander)
    }

    @Test func hugeLengthGetsBadFrameWithoutBuffering() async throws {
        let daemon = try await DaemonProcess()
        let bystander = try await daemon.client()
        let peer = try RawSocket(path: daemon.socketPath)
        peer.send(RawSocket.header(1 << 31))
        let (code, message) = Self.error(peer.readFrame())
        #expect(code == "bad_frame")
        #expect(message?.contains("2147483648") == true)
        #expect(peer.isClosedByPeer())
        try await Self.assertStillServing(daemon, bystander)
    }

    @Test func truncatedFrameThenCloseLeavesTheDaemonHealthy() async throws {
        let daemon = try await DaemonProcess()
        let bystander = try await daemon.client()
        for _ in 0..<20 {
            let peer = try RawSocket(path: daemon.socketPath)
            peer.send(RawSocket.header(100) + Array(#"{"id":1,"op":"hea"#.utf8))
        }
        try await Self.assertStillServing(daemon, bystander)
    }

    @Test func malformedJSONGetsBadJSONAndTheConnectionStaysUsable() async throws {
        let daemon = try await DaemonProcess()
        let peer = try RawSocket(path: daemon.socketPath)
        let cases: [(payload: [UInt8], code: String)] = [
            ([0xff, 0xfe, 0x7b, 0x7d], "bad_json"),          // invalid UTF-8
            (Array("[]".utf8), "bad_json"),
            (Array(#""x""#.utf8), "bad_json"),
            (Array("{\"id\":1,".utf8), "bad_json"),            // truncated JSON
            (Array(#"{"id":7,"op":"track_invocation","params":{"session_id":"s","skill_name":"k","completed":"yes"}}"#.utf8), "bad_request"),
            (Array(#"{"id":8,"op":"track_invocation","params":{"session_id":"s","completed":true}}"#.utf8), "bad_request"),
            (Array(#"{"id":9,"op":"launch_missiles"}"#.utf8), "unknown_op"),
            (Array(#"{"op":"health"}"#.utf8), "bad_request"),
            (Array(#"{"id":{"x":1},"op":"health"}"#.utf8), "bad_request"),
            (Array(#"{"id":10,"op":"track_invocation","params":{"session_id":"s","skill_name":"","completed":true}}"#.utf8), "bad_request"),
            (Array(#"{"id":11,"op":"track_invocation","params":{"session_id":"s","skill_name":"k","completed":true,"invoked_at":"yesterday"}}"#.utf8), "bad_request"),
            (Array(#"{"id":12,"op":"subscribe","params":{"topics":["gossip"]}}"#.utf8), "bad_request"),
            (Array(#"{"id":13,"op":"track_batch","params":{"invocations":[]}}"#.utf8), "bad_request"),
        ]
        for (payload, code) in cases {
            peer.sendFrame(payload)
            let reply = peer.readFrame()
            #expect(Self.error(reply).code == code, "payload \(String(decoding: payload, as: UTF8.self)) → \(String(describing: reply))")
            #expect(Self.error(reply).message?.isEmpty == false)
        }
        peer.sendJSON(#"{"id":"after","op":"track_invocation","params":{"session_id":"s","skill_name":"k","completed":"yes"}}"#)
        let named = Self.error(peer.readFrame()).message ?? ""
        #expect(named.contains("params.completed"), "the message names the field: \(named)")
        peer.sendJSON(#"{"id":"still-here","op":"health"}"#)
        #expect(peer.readFrame()?["id"] as? String == "still-here")
        #expect(try IngestTraffic.count(daemon.databasePath) == 0)
    }

    @Test func tenMegabytesOfRandomBytesAreAnsweredOrClosedCleanly() async throws {
        let daemon = try await DaemonProcess()
        let bystander = try await daemon.client()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3 {
            let peer = try RawSocket(path: daemon.socketPath, receiveTimeout: 5)
            var noise = [UInt8](repeating: 0, count: 10 << 20)
            noise.withUnsafeMutableBytes { raw in
                for index in stride(from: 0, to: raw.count, by: 8) {
                    raw.storeBytes(of: generator.next(), toByteOffset: index, as: UInt64.self)
                }
            }
            let bytes = noise
            let writer = Thread { peer.send(bytes) }
            writer.start()
            // Whatever the noise decodes to, every reply is a documented error and the stream then ends.
            while let frame = peer.readFrame() {
                let code = Self.error(frame).code
                #expect(code == "bad_frame" || code == "bad_json" || code == "bad_request", "\(frame)")
            }
        }
        try await Self.assertStillServing(daemon, bystander)
    }

    @Test func aThousandConnectionsOpenedAndDroppedLeaveItHealthy() async throws {
        let daemon = try await DaemonProcess()
        let bystander = try await daemon.client()
        for round in 0..<1000 {
            let peer = try RawSocket(path: daemon.socketPath)
            if round % 3 == 0 { peer.sendJSON(#"{"id":1,"op":"health"}"#) }
        }
        try await Self.assertStillServing(daemon, bystander)
        // Every dropped connection is accepted (they may still sit in the backlog) and cleaned up.
        var stats: JSONValue = .null
        for _ in 0..<200 {
            stats = try await bystander.call("stats").get()
            if (stats["connections_accepted"]?.intValue ?? 0) >= 1001, (stats["connections_active"]?.intValue ?? .max) <= 1 {
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect((stats["connections_accepted"]?.intValue ?? 0) >= 1001, "\(stats)")
        #expect((stats["connections_active"]?.intValue ?? .max) <= 1, "\(stats)")
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/fd").count) ?? 0
        #expect(fds < 200, "file descriptors leaked: \(fds) open")
    }
}
