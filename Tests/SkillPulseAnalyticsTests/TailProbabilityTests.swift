import Testing
@testable import SkillPulseAnalytics

/// The anomaly pass's tail probabilities against SciPy 1.17 (`betabinom`, `binom`, `nbinom`, `poisson`, `t`
/// `logcdf`/`logsf`) and Python's `math.lgamma`.
struct TailProbabilityTests {
    static func close(_ value: Double, _ expected: Double, relative: Double = 1e-9) -> Bool {
        abs(value - expected) <= relative * Swift.max(1, abs(expected))
    }

    @Test func logGammaMatchesTheLibrary() {
        #expect(Self.close(LogGamma.of(0.5), 0.5723649429247004))
        #expect(Self.close(LogGamma.of(100.3), 360.51470572905816))
        #expect(Self.close(LogGamma.of(1e6 + 0.5), 12815511.476902764, relative: 1e-13))
        #expect(Self.close(LogGamma.of(1), 0) && Self.close(LogGamma.of(5), 3.1780538303479458))
    }

    @Test func binomialAndBetaBinomialTails() {
        // BetaBinomial(20, α = 45, β = 5): p = 0.9, κ = 50.
        #expect(Self.close(TailProbability.betaBinomial(3, n: 20, p: 0.9, concentration: 50, side: .lower), -20.81946084132104))
        #expect(Self.close(TailProbability.betaBinomial(8, n: 20, p: 0.9, concentration: 50, side: .lower), -11.126228489092679))
        #expect(Self.close(TailProbability.betaBinomial(20, n: 20, p: 0.2, concentration: 10, side: .upper), -13.075072588997822))
        #expect(Self.close(TailProbability.betaBinomial(19, n: 20, p: 0.2, concentration: 10, side: .upper), -10.921097995114627))
        #expect(Self.close(TailProbability.betaBinomial(8, n: 20, p: 0.9, concentration: .infinity, side: .lower), -16.660254062159964))
        // One failure in ten at 99 %: a 9.6 % event, not a ten-sigma one.
        #expect(Self.close(TailProbability.betaBinomial(9, n: 10, p: 0.99, concentration: .infinity, side: .lower), -2.3473949765927884))
        #expect(Self.close(TailProbability.betaBinomial(30, n: 30, p: 0.5, concentration: .infinity, side: .upper), -20.79441541679836))
        // Far below what a double holds as a probability, still a finite logarithm: 0.001⁵⁰⁰.
        #expect(Self.close(TailProbability.betaBinomial(0, n: 500, p: 0.999, concentration: .infinity, side: .lower),
                           500 * -6.907755278982137))
        // The whole distribution from either end.
        #expect(abs(TailProbability.betaBinomial(20, n: 20, p: 0.9, concentration: 50, side: .lower)) < 1e-12)
        #expect(abs(TailProbability.betaBinomial(0, n: 20, p: 0.9, concentration: 50, side: .upper)) < 1e-12)
    }

    @Test func negativeBinomialAndPoissonTails() {
        #expect(Self.close(TailProbability.negativeBinomial(5, mean: 20, shape: 5, side: .lower), -3.417525027147397))
        #expect(Self.close(TailProbability.negativeBinomial(40, mean: 20, shape: 5, side: .upper), -3.123333689030476))
        #expect(Self.close(TailProbability.negativeBinomial(30, mean: 10, shape: .infinity, side: .upper), -15.197832339625945))
        #expect(Self.close(TailProbability.negativeBinomial(70, mean: 100, shape: .infinity, side: .lower), -6.936726904519926))
        #expect(Self.close(TailProbability.negativeBinomial(500, mean: 100, shape: .infinity, side: .upper), -408.52284439130426,
                           relative: 1e-8))
        #expect(abs(TailProbability.negativeBinomial(0, mean: 3, shape: 2, side: .upper)) < 1e-12)
    }

    @Test func studentTails() {
        #expect(Self.close(TailProbability.studentUpper(2.5, degrees: 23), -4.605464112785987))
        #expect(Self.close(TailProbability.studentUpper(40, degrees: 5), -16.200827353101413))
        #expect(Self.close(TailProbability.studentUpper(-1, degrees: 10), -0.18686775448964693))
        #expect(Self.close(TailProbability.studentUpper(0, degrees: 4), -0.6931471805599453))
    }
}
