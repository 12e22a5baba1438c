import Foundation

/// The three pretext tasks of cSiT's SSL objective (method.md §2).
public enum SSLPretextTask: String, CaseIterable, Sendable, Codable {
    /// Cross-entropy over the four rotations of each view.
    case rotation
    /// NT-Xent between the two views of each image.
    case contrastive
    /// L1 reconstruction of the clean, rotated view from the corrupted one.
    case reconstruction
}

/// A non-empty set of pretext tasks, always listed in `SSLPretextTask.allCases` order so
/// that one set has one text (`rotation,reconstruction`) and one run identity.
public struct SSLTaskSet: Equatable, Hashable, Sendable {
    /// The tasks, in canonical order, without repeats.
    public let tasks: [SSLPretextTask]

    /// Every task: the published objective.
    public static let all = SSLTaskSet(unchecked: SSLPretextTask.allCases)

    /// Nil for an empty set: an SSL run needs at least one loss.
    public init?(_ tasks: [SSLPretextTask]) {
        guard !tasks.isEmpty else { return nil }
        self.init(unchecked: tasks)
    }

    private init(unchecked tasks: [SSLPretextTask]) {
        self.tasks = SSLPretextTask.allCases.filter(tasks.contains)
    }

    public func contains(_ task: SSLPretextTask) -> Bool { tasks.contains(task) }

    /// `rotation,contrastive`: how settings, flags and table labels write the set.
    public var text: String { tasks.map(\.rawValue).joined(separator: ",") }

    /// Parses `rotation,contrastive` (any order, no repeats, no empty items); nil otherwise.
    public init?(text: String) {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let parsed = items.compactMap(SSLPretextTask.init(rawValue:))
        guard parsed.count == items.count, Set(parsed).count == parsed.count else { return nil }
        self.init(parsed)
    }
}

/// How the enabled pretext losses are combined into one.
public enum SSLLossWeighting: String, CaseIterable, Sendable, Codable {
    /// The published combination: a learned log-variance scalar s per task (init 1, no
    /// weight decay), e^(−s)·L + ½s for rotation and contrastive, e^(−½s)·L + ½s for
    /// reconstruction (Kendall et al.'s homoscedastic uncertainty weighting).
    case uncertainty
    /// The plain sum of the enabled losses, each with weight 1 (the scalars do not train).
    case equal
}
