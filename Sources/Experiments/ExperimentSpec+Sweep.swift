import Foundation

/// The sweep block: its keys and its points, before the resolver decodes them.
extension ExperimentSpec {
    /// One sweep point's values for dotted key paths, before decoding.
    typealias Assignments = [(path: [String], value: SpecValue)]

    func sweepKeys() -> [([String], SpecLocation)] {
        guard let sweep = tree["sweep"] else { return [] }
        var out: [([String], SpecLocation)] = []
        for section in ["grid", "zip"] {
            if case .mapping(let pairs, _)? = sweep[section] { out += pairs.map { ($0.key.split(separator: ".").map(String.init), $0.value.location) } }
        }
        if case .sequence(let items, _)? = sweep["list"] {
            for case .mapping(let pairs, _) in items { out += pairs.map { ($0.key.split(separator: ".").map(String.init), $0.value.location) } }
        }
        return out
    }

    /// The sweep's points: the grid's Cartesian product, times the zipped lists (element by
    /// element), or the explicit list; a single empty point without a sweep.
    func rawSweepPoints() throws -> [Assignments] {
        guard let sweep = tree["sweep"] else { return [[]] }
        var points: [Assignments] = [[]]
        if case .mapping(let pairs, _)? = sweep["grid"] {
            for (k, v) in pairs {
                guard case .sequence(let values, _) = v else { continue }
                points = points.flatMap { p in values.map { p + [(path: k.split(separator: ".").map(String.init), value: $0)] } }
            }
        }
        if case .mapping(let pairs, let loc)? = sweep["zip"] {
            let lists = pairs.compactMap { p -> (String, [SpecValue])? in
                if case .sequence(let v, _) = p.value { return (p.key, v) }
                return nil
            }
            let n = lists.first?.1.count ?? 0
            guard lists.allSatisfy({ $0.1.count == n }) else {
                throw SpecError.range(loc, path: "sweep.zip", value: lists.map { "\($0.0): \($0.1.count)" }.joined(separator: ", "),
                                      expected: "lists of equal length")
            }
            points = points.flatMap { p in (0..<n).map { i in p + lists.map { (path: $0.0.split(separator: ".").map(String.init), value: $0.1[i]) } } }
        }
        if case .sequence(let items, _)? = sweep["list"] {
            points = points.flatMap { p in items.compactMap { item -> Assignments? in
                guard case .mapping(let pairs, _) = item else { return nil }
                return p + pairs.map { (path: $0.key.split(separator: ".").map(String.init), value: $0.value) }
            } }
        }
        return points
    }
}
