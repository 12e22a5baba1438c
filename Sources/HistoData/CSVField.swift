/// RFC 4180 quoting for one CSV field.
public enum CSVField {
    /// `value`, quoted (with doubled quotes) when it holds a comma, quote or line break.
    public static func escape(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
