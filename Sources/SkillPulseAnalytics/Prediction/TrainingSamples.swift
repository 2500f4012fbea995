/// The training rows analytics keeps as invocations arrive: each row's features as of just before it (from
/// `SuccessFeatureHistory.sample`), its outcome and its time, in arrival order, up to a capacity (oldest
/// dropped first). Features are kept as Float: half the memory, and the model needs nothing finer.
public struct TrainingSamples: Sendable {
    public let width: Int
    public let capacity: Int
    var features: [Float] = []
    var labels: [Bool] = []
    var times: [Int64] = []
    /// Index of the oldest row once the buffer has wrapped.
    var head = 0

    public init(width: Int = SuccessFeatureHistory.featureCount, capacity: Int = 2_000_000) {
        self.width = width
        self.capacity = capacity
    }

    public var count: Int { labels.count }

    public mutating func append(_ row: [Double], label: Bool, time: Int64) {
        precondition(row.count == width)
        if labels.count < capacity {
            features.append(contentsOf: row.lazy.map { Float($0) })
            labels.append(label)
            times.append(time)
        } else {
            for j in 0..<width { features[head * width + j] = Float(row[j]) }
            labels[head] = label
            times[head] = time
            head = (head + 1) % capacity
        }
    }

    /// The rows at or after `since`, oldest first, as (row-major features, labels, times).
    public func rows(since: Int64) -> (features: [Double], labels: [Bool], times: [Int64]) {
        var outFeatures: [Double] = []
        var outLabels: [Bool] = []
        var outTimes: [Int64] = []
        for offset in 0..<labels.count {
            let index = (head + offset) % labels.count
            guard times[index] >= since else { continue }
            for j in 0..<width { outFeatures.append(Double(features[index * width + j])) }
            outLabels.append(labels[index])
            outTimes.append(times[index])
        }
        return (outFeatures, outLabels, outTimes)
    }
}
