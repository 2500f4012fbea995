import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Peers that half-close their side of the socket: answered, then closed; cut mid-frame, told `bad_frame`.
@Suite(.serialized)
struct HalfClosedPeerTests {
    /// A peer that sends and half-closes at once (`printf … | nc -U`) is answered, then the connection ends;
    /// one that half-closes mid-frame gets `bad_frame`. Before: the end of input could arrive before the
    /// connection was wrapped and was lost — 13 of 20 such requests got no answer and no close.
    @Test(arguments: ["ingest", "analytics"])
    func aHalfCloseRightAfterTheRequestIsAnsweredAndClosed(service: String) async throws {
        let daemon = try await DaemonProcess(service)
        for round in 0..<40 {
            let socket = try RawSocket(path: daemon.socketPath, receiveTimeout: 5)
            let complete = round % 2 == 0
            if complete {
                socket.sendJSON(#"{"id":7,"op":"health"}"#)
            } else {
                socket.send(RawSocket.header(40) + Array(#"{"id":1,"op":"#.utf8))
            }
            shutdown(socket.fd, Int32(SHUT_WR))
            let reply = socket.readFrame()
            if complete {
                #expect(DaemonHealth.serving((reply?["result"] as? [String: Any])?["status"] as? String, service: service),
                        "round \(round): \(String(describing: reply))")
            } else {
                #expect((reply?["error"] as? [String: Any])?["code"] as? String == "bad_frame",
                        "round \(round): \(String(describing: reply))")
            }
            #expect(socket.isClosedByPeer(), "round \(round)")
        }
        #expect(await daemon.stop() == 0)
    }
}
