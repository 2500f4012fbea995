import Foundation
import SkillPulseCore
import Testing
@testable import SkillPulseAnalytics

/// The anomaly pass (`AnalyticsState.anomalyReport`, the procedure the daemon runs) on simulated traffic: many
/// steady skills of realistic, varied volumes, completion rates and latencies — which it should leave alone —
/// and skills with a real anomaly planted in their last hour, which it should find.
struct AnomalySimulationTests {
    static let hour: Int64 = 3_600_000
    /// Not on an hour boundary, as a real pass is not.
    static let now: Int64 = 1_800_000_000_000 + 1_234_567
    /// Hours of history before `now`: 24 of baseline, the observed hour, one per extra pass, and the first
    /// (partial) hour.
    static let historyHours = 29
    /// Passes at now, 1 h, 2 h and 3 h before it: four distinct observed hours per skill.
    static let passes = 4

    /// A skill whose invocations follow constant rules: Poisson volume per hour, binomial outcomes, lognormal
    /// durations.
    struct Profile {
        let name: String
        let volume: Double
        let rate: Double
        let logMean: Double
        let logSpread: Double
        /// What changes in the last hour before `now` (nil: nothing).
        var planted: Anomaly.Kind?
    }

    /// Simulated traffic, applied to a state as it is generated (three million records would not fit a
    /// test's memory as an array).
    struct Simulation {
        var random: SplitMix64
        var state = AnalyticsState()
        var nextID: Int64 = 0

        init(seed: UInt64) { random = SplitMix64(seed: seed) }

        mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * random.unit() }

        /// Box–Muller.
        mutating func normal() -> Double {
            let u = Swift.max(random.unit(), 1e-300)
            return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * random.unit())
        }

        /// By inversion from 0 (exact; e^−λ is still a normal double for every λ used here).
        mutating func poisson(_ mean: Double) -> Int {
            let u = random.unit()
            var mass = Foundation.exp(-mean)
            var cumulative = mass
            var count = 0
            while u > cumulative && count < 100_000 {
                count += 1
                mass *= mean / Double(count)
                cumulative += mass
            }
            return count
        }

        /// Heterogeneous steady skills: volumes log-uniform from 3 to 500 an hour, completion rates 0.5–0.999,
        /// median latencies e^−1 to e^3 s (0.4–20 s) with log-spreads 0.3–1.2.
        mutating func steadyProfiles(_ count: Int) -> [Profile] {
            (0..<count).map { index in
                Profile(name: "steady-\(index)", volume: Foundation.exp(uniform(Foundation.log(3), Foundation.log(500))),
                        rate: uniform(0.5, 0.999), logMean: uniform(-1, 3), logSpread: uniform(0.3, 1.2))
            }
        }

        /// Skills with one anomaly each in the last hour, of sizes an on-call engineer wants to hear about.
        mutating func plantedProfiles(each count: Int) -> [Profile] {
            var profiles: [Profile] = []
            for index in 0..<count {
                // Completion falls by 30 points (e.g. 90 % → 60 %) at 40–400 calls an hour.
                profiles.append(Profile(name: "drop-\(index)", volume: uniform(40, 400), rate: uniform(0.8, 0.99),
                                        logMean: uniform(-1, 3), logSpread: uniform(0.3, 1.2), planted: .performanceDrop))
                // Calls take 2.5 times as long, at 50–300 calls an hour.
                profiles.append(Profile(name: "slow-\(index)", volume: uniform(50, 300), rate: uniform(0.5, 0.999),
                                        logMean: uniform(-1, 3), logSpread: uniform(0.3, 1.2), planted: .latencySpike))
                // Three times the calls, from 10–100 an hour.
                profiles.append(Profile(name: "surge-\(index)", volume: uniform(10, 100), rate: uniform(0.5, 0.999),
                                        logMean: uniform(-1, 3), logSpread: uniform(0.3, 1.2), planted: .volumeSpike))
                // 30 % of the calls, from 30–300 an hour.
                profiles.append(Profile(name: "quiet-\(index)", volume: uniform(30, 300), rate: uniform(0.5, 0.999),
                                        logMean: uniform(-1, 3), logSpread: uniform(0.3, 1.2), planted: .volumeDrop))
            }
            return profiles
        }

        /// `historyHours` hours of every profile's traffic up to `now`, hour by hour (each skill's series stays in
        /// time order); a planted change applies to the last hour only.
        mutating func run(_ profiles: [Profile]) {
            for hourBack in stride(from: AnomalySimulationTests.historyHours, to: 0, by: -1) {
                let start = AnomalySimulationTests.now - Int64(hourBack) * AnomalySimulationTests.hour
                let last = hourBack == 1
                for profile in profiles {
                    let planted = last ? profile.planted : nil
                    let volume = profile.volume * (planted == .volumeSpike ? 3 : planted == .volumeDrop ? 0.3 : 1)
                    let rate = planted == .performanceDrop ? profile.rate - 0.3 : profile.rate
                    let logMean = profile.logMean + (planted == .latencySpike ? Foundation.log(2.5) : 0)
                    let count = poisson(volume)
                    let session = "\(profile.name)@\(hourBack)"
                    let offsets = (0..<count).map { _ in Int64(random.unit() * Double(AnomalySimulationTests.hour)) }.sorted()
                    for offset in offsets {
                        nextID += 1
                        let duration = Foundation.exp(logMean + profile.logSpread * normal())
                        state.apply(InvocationRecord(id: nextID, skillName: profile.name, sessionID: session, userID: nil,
                                                     invokedAt: start + offset + 1, completed: random.unit() < rate,
                                                     durationSeconds: duration, workflowPhase: nil))
                    }
                }
            }
            state.prepare()
        }
    }

    /// 1,000 steady skills and 25 of each planted kind, simulated once for both tests (3.3 million invocations:
    /// the longest part of the unit lane).
    static let simulated: (state: AnalyticsState, steady: [Profile], planted: [Profile]) = {
        var simulation = Simulation(seed: 2_026)
        let steady = simulation.steadyProfiles(1_000)
        let planted = simulation.plantedProfiles(each: 25)
        simulation.run(steady + planted)
        return (simulation.state, steady, planted)
    }()

    /// What share of steady skill-passes raised any anomaly, per method and baseline length.
    @Test func steadySkillsRaiseAtMostOnePercentFalseAlarmsPerPass() {
        let (state, steady, planted) = Self.simulated
        // 3 h: the shortest window; 24 h: the default; 168 h: longer than the skills have existed, so their
        // baselines start at their first invocation instead of counting a week of zeros.
        for hours in [3, 24, 168] {
            for method in DeviationMethod.allCases {
                var flagged = 0
                var kinds: [Anomaly.Kind: Int] = [:]
                for pass in 0..<Self.passes {
                    let report = state.anomalyReport(AnomalyCriteria(baselineHours: hours, method: method),
                                                     now: Self.now - Int64(pass) * Self.hour)
                    #expect(report.skillsJudged == steady.count + planted.count, "\(hours) h \(method), pass \(pass)")
                    let steadyFound = report.anomalies.filter { $0.skillName.hasPrefix("steady-") }
                    flagged += Set(steadyFound.map(\.skillName)).count
                    for anomaly in steadyFound { kinds[anomaly.anomalyType, default: 0] += 1 }
                }
                let rate = Double(flagged) / Double(steady.count * Self.passes)
                print("steady skills flagged per pass, \(hours) h baseline, \(method): \(flagged) of "
                      + "\(steady.count * Self.passes) = \(String(format: "%.2f", rate * 100)) % \(kinds)")
                #expect(rate <= 0.01, "\(hours) h \(method): \(flagged) false alarms \(kinds)")
            }
        }
    }

    /// Real changes in the last hour are found at the defaults (threshold 2, 24 h), by either method, and the
    /// steady skills beside them stay quiet.
    @Test func plantedAnomaliesAreFoundAtTheDefaults() {
        let (state, steady, planted) = Self.simulated
        for method in DeviationMethod.allCases {
            let found = state.anomalies(AnomalyCriteria(method: method), now: Self.now)
            var missed: [String] = []
            for profile in planted {
                let hit = found.first { $0.skillName == profile.name && $0.anomalyType == profile.planted }
                if hit == nil { missed.append(profile.name) }
            }
            #expect(missed.isEmpty, "\(method) missed \(missed)")
            let quietFlagged = Set(found.filter { $0.skillName.hasPrefix("steady-") }.map(\.skillName))
            #expect(quietFlagged.count <= steady.count / 100, "\(method): \(quietFlagged.count) of \(steady.count) steady skills flagged")
            // Every finding is signed by its direction and at least the threshold.
            for anomaly in found {
                let below = anomaly.anomalyType == .performanceDrop || anomaly.anomalyType == .volumeDrop
                #expect((below ? -anomaly.deviationScore : anomaly.deviationScore) >= 2, "\(anomaly)")
                #expect(below == (anomaly.observedValue < anomaly.baselineValue), "\(anomaly)")
            }
        }
    }
}
