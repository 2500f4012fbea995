import SkillPulseCore
import SkillPulseStore
import Synchronization

// The sliding per-minute windows behind skill_metrics_cache's 1 h / 24 h figures: seeded from the table at
// start, fed by every committed batch (staged while its transaction runs, see `StagedWindowCounts`), and the
// cache's periodic refresh as time passes.
extension InvocationBatchWriter {
    /// Loads the last 24 h of per-minute counts so the cache's windows are exact from the first batch.
    public func seedWindows(now: UTCTimestamp) throws {
        let since = now.adding(milliseconds: -86_400_000)
        let nowMinute = now.millisecondsSinceEpoch / 60_000
        let tallies = try store.withLock { try $0.recentMinuteCounts(since: since) }
        windows.withLock { $0.record(tallies, now: nowMinute) }
    }

    /// The sliding windows as the store stages, settles and reads them, as of `nowMinute`.
    func cacheWindows(nowMinute: Int64) -> CacheWindows {
        CacheWindows(
            stage: { tallies in self.windows.withLock { $0.stage(tallies, now: nowMinute) } },
            settle: { committed in
                self.windows.withLock { windows in
                    if committed { windows.commitStaged(now: nowMinute) } else { windows.discardStaged() }
                }
            },
            figures: { skills in
                self.windows.withLock { windows in
                    var figures: [String: CacheWindowFigures] = [:]
                    for skill in skills { figures[skill] = Self.cacheFigures(windows.totals(skill, now: nowMinute)) }
                    return figures
                }
            },
            holds: { skill, minute in self.windows.withLock { $0.holds(skill, minute: minute) } })
    }

    func refreshCache() {
        // One instant for the minute buckets and the exact edges, so neither counts a row twice or never.
        let now = UTCTimestamp.now()
        let nowMinute = now.millisecondsSinceEpoch / 60_000
        do {
            let changed = try store.withLock { store in
                try store.refreshCache(windows: cacheWindows(nowMinute: nowMinute), now: now)
            }
            if changed > 0 { logger.debug("cache windows refreshed", metadata: ["rows": "\(changed)"]) }
        } catch {
            logger.warning("cache refresh failed", metadata: ["error": "\(error)"])
        }
    }

    static func cacheFigures(_ totals: SlidingWindowCounts<String>.Totals) -> CacheWindowFigures {
        CacheWindowFigures(count1h: totals.count[0], count24h: totals.count[1], completed24h: totals.completed[1])
    }
}
