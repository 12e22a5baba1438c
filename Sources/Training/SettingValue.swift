import CSiTKit
import Evaluation
import Foundation
import HistoData

/// A type a run setting can hold: read from spec, YAML or command-line text, and written
/// back as the same text.
public protocol SettingValue: Codable, Equatable, Sendable {
    /// Parses the value as a user writes it; nil when the text is not of this type.
    init?(settingText: String)
    /// The canonical text (what `init(settingText:)` reads back to the same value).
    var settingText: String { get }
}

extension Int: SettingValue {
    public init?(settingText: String) { self.init(settingText) }
    public var settingText: String { String(self) }
}

extension UInt64: SettingValue {
    public init?(settingText: String) { self.init(settingText) }
    public var settingText: String { String(self) }
}

extension Double: SettingValue {
    public init?(settingText: String) {
        guard let v = Double(settingText), v.isFinite else { return nil }
        self = v
    }
    public var settingText: String { "\(self)" }
}

extension Float: SettingValue {
    public init?(settingText: String) {
        guard let v = Float(settingText), v.isFinite else { return nil }
        self = v
    }
    public var settingText: String { "\(self)" }
}

extension Bool: SettingValue {
    public init?(settingText: String) {
        switch settingText {
        case "true": self = true
        case "false": self = false
        default: return nil
        }
    }
    public var settingText: String { self ? "true" : "false" }
}

extension String: SettingValue {
    public init?(settingText: String) { self = settingText }
    public var settingText: String { self }
}

extension SettingValue where Self: RawRepresentable, RawValue == String {
    public init?(settingText: String) { self.init(rawValue: settingText) }
    public var settingText: String { rawValue }
}

extension RunConfig.Mode: SettingValue {}
extension DatasetKind: SettingValue {}
extension BreakHisTask: SettingValue {}
extension Metric: SettingValue {}
extension RunConfig.Selection: SettingValue {}
extension SSLLossWeighting: SettingValue {}

extension SSLTaskSet: SettingValue {
    public init?(settingText: String) { self.init(text: settingText) }
    public var settingText: String { text }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let set = SSLTaskSet(text: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected tasks such as rotation,contrastive"))
        }
        self = set
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

/// The values a setting accepts, checked wherever a value enters (spec, YAML, flags, JSON).
public enum SettingDomain: Sendable, Equatable {
    /// Whole numbers in a range.
    case integer(ClosedRange<Int>)
    /// Finite numbers in a range.
    case number(ClosedRange<Double>)
    /// true or false.
    case flag
    /// Free text.
    case text
    /// A file or folder (checked to exist where paths are checked).
    case path
    /// One of the listed words.
    case choice([String])
    /// A non-empty list of distinct listed words, written `a,b` (a YAML list in specs).
    case subset([String])

    /// What a value must be, for error messages and the generated settings table.
    public var expected: String {
        switch self {
        case .integer(let r): return "an integer in \(r.lowerBound)…\(r.upperBound)"
        case .number(let r): return "a number in \(r.lowerBound.settingText)…\(r.upperBound.settingText)"
        case .flag: return "true or false"
        case .text: return "a string"
        case .path: return "a path"
        case .choice(let v): return "one of \(v.joined(separator: ", "))"
        case .subset(let v): return "a non-empty list of distinct values from \(v.joined(separator: ", "))"
        }
    }

    /// True when the canonical text of a value lies in the domain.
    public func contains(_ text: String) -> Bool {
        switch self {
        case .integer(let r): return Int(text).map(r.contains) ?? false
        case .number(let r): return Double(text).map { $0.isFinite && r.contains($0) } ?? false
        case .flag: return text == "true" || text == "false"
        case .text, .path: return true
        case .choice(let v): return v.contains(text)
        case .subset(let v):
            let items = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return !items.isEmpty && items.allSatisfy(v.contains) && Set(items).count == items.count
        }
    }
}

/// A setting value that does not fit its setting.
public struct SettingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The setting's key (`batch_size`).
    public var key: String
    /// The value as given.
    public var value: String
    /// What the setting accepts.
    public var expected: String

    public var description: String { "\(key) = \(value): expected \(expected)" }
}
