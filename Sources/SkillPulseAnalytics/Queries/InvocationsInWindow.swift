extension AnalyticsState {
    /// Invocations dated in [`start`, `end`] that the time series hold (the retention window's). Requires
    /// `prepare()` (`AnalyticsEngine.query` does it).
    public func invocationCount(from start: Int64, through end: Int64) -> Int {
        invocationCount(from: start, through: end, skills: 0..<skillCount)
    }

    /// `invocationCount` over the skills numbered in `skills` (counts of consecutive ranges add up).
    public func invocationCount(from start: Int64, through end: Int64, skills: Range<Int>) -> Int {
        var count = 0
        series.withUnsafeBufferPointer { series in  // no copy of each series (see `rankSkills`)
            for index in skills.clamped(to: series.indices) {
                guard newestInSeries[index] >= start else { continue }
                count += series[index].count(from: start, to: end == .max ? end : end + 1)
            }
        }
        return count
    }
}
