import Foundation

/// One recommended skill: `score` in [0, 1]; `source` says whether similar users or community popularity
/// suggested it.
public struct SkillRecommendation: Sendable, Equatable {
    public enum Source: String, Sendable {
        case similarUsers = "similar_users"
        case popular
    }

    public let skillName: String
    public let score: Double
    /// The skill's community completion rate (0–1).
    public let completionRate: Double
    public let source: Source
}

/// Why similar users did not fill a recommendation list (popular skills did), or why it is empty.
public enum RecommendationReason: String, Sendable, Equatable {
    /// Empty: no invocation has been seen yet, so there is nothing to recommend.
    case noInvocations = "no_invocations"
    /// Empty: the user has tried every skill analytics knows.
    case triedEverySkill = "tried_every_skill"
    /// Popular skills: the user has no invocation.
    case unknownUser = "unknown_user"
    /// Popular skills: the user completed no skill, so there is nothing to compare.
    case noCompletedSkills = "no_completed_skills"
    /// Popular skills: no other user completed a skill the user completed.
    case noSimilarUsers = "no_similar_users"
    /// Popular skills: the similar users completed nothing the user has not tried.
    case nothingNewFromSimilarUsers = "nothing_new_from_similar_users"

    /// The reason in words, for a reply's message.
    public var explanation: String {
        switch self {
        case .noInvocations: "no invocation has been recorded yet, so there is nothing to recommend"
        case .triedEverySkill: "the user has already tried every skill there is"
        case .unknownUser: "the user has no invocations; these are popular skills"
        case .noCompletedSkills: "the user has completed no skill to compare with others; these are popular skills"
        case .noSimilarUsers: "no other user completed a skill the user completed; these are popular skills"
        case .nothingNewFromSimilarUsers:
            "the most similar users completed nothing the user has not tried; these are popular skills"
        }
    }
}

/// A recommendation list and, when similar users did not fill it, why (`reason`).
public struct RecommendationAnswer: Sendable, Equatable {
    public let items: [SkillRecommendation]
    /// Nil when similar users contributed; otherwise why popular skills (or nothing) came instead.
    public let reason: RecommendationReason?
}

/// Set similarity of the distinct skills two users completed.
public enum SetSimilarity {
    /// |A ∩ B| / |A ∪ B| from the sizes: always in [0, 1] — the reference counted rows, not distinct skills,
    /// and reached 13.
    public static func jaccard(intersection: Int, sizeA: Int, sizeB: Int) -> Double {
        let union = sizeA + sizeB - intersection
        return union > 0 ? Double(intersection) / Double(union) : 0
    }

    public static func jaccard<T: Hashable>(_ a: Set<T>, _ b: Set<T>) -> Double {
        jaccard(intersection: a.intersection(b).count, sizeA: a.count, sizeB: b.count)
    }
}

extension AnalyticsState {
    /// Users compared with the target: the most similar ones vote.
    public static let recommendationNeighbours = 20

    public var userCount: Int { userNames.count }

    /// User-based collaborative filtering on sets of completed skills: the `recommendationNeighbours` users
    /// most similar to `user` (Jaccard) vote for the skills they completed that `user` never tried, each vote
    /// weighted by similarity × that user's completion rate on the skill, and a skill's score is its vote
    /// share (Σ sim·rate / Σ sim over the neighbours, so in [0, 1]). Unknown users, users with no completed
    /// skill or no similar user, and any places left over get popular skills the user never tried.
    public func recommendations(for user: String, limit: Int) -> [SkillRecommendation] {
        recommendationAnswer(for: user, limit: limit).items
    }

    /// `recommendations(for:limit:)` with the reason when similar users contributed nothing.
    public func recommendationAnswer(for user: String, limit: Int) -> RecommendationAnswer {
        var tried = [Bool](repeating: false, count: skillNames.count)
        var result: [SkillRecommendation] = []
        var reason: RecommendationReason? = .unknownUser
        if let target = userIDs[user] {
            for skill in userTried[Int(target)] { tried[Int(skill)] = true }
            (result, reason) = similarUserVotes(target, tried: tried, limit: limit)
        }
        if result.count < limit {
            for chosen in result { tried[Int(skillIDs[chosen.skillName]!)] = true }
            result += popular(excluding: tried, limit: limit - result.count)
        }
        if result.isEmpty {
            // Popular skills are every invoked skill the user never tried: none means none untried, or none at all.
            reason = totals.contains(where: { $0.invocations > 0 }) ? .triedEverySkill : .noInvocations
        }
        return RecommendationAnswer(items: result, reason: reason)
    }

    private func similarUserVotes(_ target: Int32, tried: [Bool], limit: Int)
        -> (items: [SkillRecommendation], reason: RecommendationReason?)
    {
        let completed = userCompleted[Int(target)]
        guard !completed.isEmpty else { return ([], .noCompletedSkills) }
        // Overlap with every user who shares a completed skill: one pass over those skills' completers.
        var overlap = [Int32](repeating: 0, count: userNames.count)
        var touched: [Int32] = []
        for skill in completed {
            for other in completers[Int(skill)] where other != target {
                if overlap[Int(other)] == 0 { touched.append(other) }
                overlap[Int(other)] += 1
            }
        }
        var neighbours: [(user: Int32, similarity: Double)] = touched.map { other in
            (other, SetSimilarity.jaccard(intersection: Int(overlap[Int(other)]), sizeA: completed.count,
                                          sizeB: userCompleted[Int(other)].count))
        }
        neighbours.sort { $0.similarity > $1.similarity || ($0.similarity == $1.similarity && $0.user < $1.user) }
        neighbours = Array(neighbours.prefix(Self.recommendationNeighbours))
        let weight = neighbours.reduce(0) { $0 + $1.similarity }
        guard weight > 0 else { return ([], .noSimilarUsers) }
        var votes: [Int32: Double] = [:]
        for (other, similarity) in neighbours {
            for skill in userCompleted[Int(other)] where !tried[Int(skill)] {
                let rate = totals[Int(skill)].users[other]?.completionRate ?? 0
                votes[skill, default: 0] += similarity * rate
            }
        }
        var ranked: [(skill: Int32, score: Double)] = votes.map { (skill: $0.key, score: min(1, $0.value / weight)) }
        ranked.sort { left, right in
            if left.score != right.score { return left.score > right.score }
            return skillNames[Int(left.skill)] < skillNames[Int(right.skill)]
        }
        let items = ranked.prefix(limit).map {
            SkillRecommendation(skillName: skillNames[Int($0.skill)], score: $0.score,
                                completionRate: totals[Int($0.skill)].outcomes.completionRate, source: .similarUsers)
        }
        return (items, items.isEmpty ? .nothingNewFromSimilarUsers : nil)
    }

    /// Community popularity: completion rate × log(1 + users) / log(1 + the most users any skill has), so a
    /// skill everyone uses and completes scores near 1.
    private func popular(excluding tried: [Bool], limit: Int) -> [SkillRecommendation] {
        guard limit > 0 else { return [] }
        // Through a buffer pointer: `totals[skill]` would copy each skill's totals (its dictionaries retained
        // and released) three times per skill.
        var ranked: [(skill: Int, score: Double)] = []
        totals.withUnsafeBufferPointer { totals in
            let mostUsers = totals.reduce(0) { max($0, $1.users.count) }
            let scale = log1p(Double(max(1, mostUsers)))
            for skill in totals.indices where !tried[skill] && totals[skill].invocations > 0 {
                let reach = log1p(Double(totals[skill].users.count)) / scale
                ranked.append((skill, totals[skill].outcomes.completionRate * reach))
            }
        }
        // Names are compared only among those that can make the cut (see `leaders`).
        if ranked.count > limit {
            let cut = ranked.map(\.score).sorted(by: >)[limit - 1]
            ranked = ranked.filter { $0.score >= cut }
        }
        ranked.sort { left, right in
            if left.score != right.score { return left.score > right.score }
            return skillNames[left.skill] < skillNames[right.skill]
        }
        return ranked.prefix(limit).map {
            SkillRecommendation(skillName: skillNames[$0.skill], score: min(1, $0.score),
                                completionRate: totals[$0.skill].outcomes.completionRate, source: .popular)
        }
    }
}
