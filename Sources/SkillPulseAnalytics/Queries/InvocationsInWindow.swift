extension AnalyticsState {
    /// Invocations dated in [`start`, `end`] that the time series hold (the retention window's). Requires
    /// `prepare()` (`AnalyticsEngine.query` does it).
    public func invocationCount(from start: Int64, through end: Int64) -> Int {
        var count = 0
        for series in series {
            guard let newest = series.newest, newest >= start else { continue }
            count += series.window(from: start, to: end == .max ? end : end + 1).invocations
        }
        return count
    }
}
