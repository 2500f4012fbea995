import NIOCore

/// Holds what arrives on an accepted connection until the server has wrapped it for async use.
///
/// The server accepts with auto-read off and wraps each connection later, on its own task. A peer that
/// sends a request and half-closes at once (`printf … | nc -U`) can make NIO report the end of input
/// before the wrapper exists: the event reached the end of the pipeline and was lost, and the request was
/// never answered and the connection never closed (13 of 20 such clients). Frames and the end of input are
/// held here and replayed once the wrapper is in place.
final class InboundHoldHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = InboundFrame
    typealias InboundOut = InboundFrame

    private var holding = true
    private var held: [InboundFrame] = []
    private var inputClosed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if holding {
            held.append(unwrapInboundIn(data))
        } else {
            context.fireChannelRead(data)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if holding, let event = event as? ChannelEvent, event == .inputClosed {
            inputClosed = true
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Passes on everything held, in order, and everything after it; call on the event loop once the
    /// handlers behind this one are in place.
    func release(context: ChannelHandlerContext) {
        holding = false
        let frames = held
        held = []
        for frame in frames { context.fireChannelRead(wrapInboundOut(frame)) }
        if inputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
    }
}
