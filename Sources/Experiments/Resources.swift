import Foundation

/// What a run asks of the machine it runs on (`resources:` at the top of a spec, under
/// `ssl:`, and under `train.<mode>:`; inner blocks override outer ones field by field). Not
/// part of a run's identity: the same run on 1 or 8 nodes computes the same numbers. The
/// Slurm executor turns it into `#SBATCH` lines; the local executor starts a run of more
/// than one task with `mpirun`.
public struct Resources: Codable, Hashable, Sendable {
    public var nodes: Int?
    public var tasksPerNode: Int?
    public var cpusPerTask: Int?
    /// Memory per node in Slurm's form (`16G`, `4000M`).
    public var mem: String?
    /// Time limit in Slurm's form (`MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`).
    public var time: String?

    public init(nodes: Int? = nil, tasksPerNode: Int? = nil, cpusPerTask: Int? = nil, mem: String? = nil, time: String? = nil) {
        (self.nodes, self.tasksPerNode, self.cpusPerTask, self.mem, self.time) = (nodes, tasksPerNode, cpusPerTask, mem, time)
    }

    enum CodingKeys: String, CodingKey {
        case nodes, tasksPerNode = "tasks_per_node", cpusPerTask = "cpus_per_task", mem, time
    }

    /// MPI ranks of the run: nodes × tasks per node (1 when unset).
    public var tasks: Int { (nodes ?? 1) * (tasksPerNode ?? 1) }

    public var isEmpty: Bool { self == Resources() }

    /// These resources with every field they leave unset taken from `outer`.
    public func over(_ outer: Resources) -> Resources {
        Resources(nodes: nodes ?? outer.nodes, tasksPerNode: tasksPerNode ?? outer.tasksPerNode, cpusPerTask: cpusPerTask ?? outer.cpusPerTask,
                  mem: mem ?? outer.mem, time: time ?? outer.time)
    }

    /// `2 nodes × 4 tasks × 8 cpus, mem 16G, time 1-00:00:00` (only what is set).
    public var summary: String {
        var shape: [String] = []
        if let n = nodes { shape.append("\(n) node" + (n == 1 ? "" : "s")) }
        if let t = tasksPerNode { shape.append("\(t) task" + (t == 1 ? "" : "s") + (nodes == nil ? "" : " per node")) }
        if let c = cpusPerTask { shape.append("\(c) cpu" + (c == 1 ? "" : "s") + (tasksPerNode == nil && nodes == nil ? "" : " per task")) }
        var parts = shape.isEmpty ? [] : [shape.joined(separator: " × ")]
        if let m = mem { parts.append("mem \(m)") }
        if let t = time { parts.append("time \(t)") }
        return parts.joined(separator: ", ")
    }

    /// Keys of a `resources:` block and the shape of each value.
    static let shape: Shape = .map([
        "nodes": .int(1...100_000), "tasks_per_node": .int(1...100_000), "cpus_per_task": .int(1...100_000),
        "mem": .pattern("a memory size like 16G, 4000M or 1T (K, M, G, T; a whole number)", Resources.isMemory),
        "time": .pattern("a Slurm time: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS", Resources.isTime),
    ], required: [])

    /// `16G`, `4000M`, `4000` (Slurm's default unit, M), `1T`, `512K`: a positive whole number.
    public static func isMemory(_ s: String) -> Bool {
        var digits = Substring(s)
        if let last = s.last, "KMGTkmgt".contains(last) { digits = s.dropLast() }
        return !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber) && (Int(digits) ?? 0) > 0
    }

    /// Slurm's time formats (`--time`): MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS; every
    /// field a whole number, minutes and seconds below 60, hours below 24 after a day count,
    /// and not zero in all.
    public static func isTime(_ s: String) -> Bool {
        func numbers(_ text: Substring) -> [Int]? {
            let fields = text.split(separator: ":", omittingEmptySubsequences: false)
            let values = fields.map { f in f.isEmpty || !f.allSatisfy({ $0.isASCII && $0.isNumber }) || f.count > 6 ? nil : Int(f) }
            return values.contains(where: { $0 == nil }) ? nil : values.compactMap { $0 }
        }
        let dash = s.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        if dash.count == 2 {
            guard let days = numbers(dash[0]), days.count == 1, let rest = numbers(dash[1]), (1...3).contains(rest.count) else { return false }
            guard rest[0] < 24, rest.dropFirst().allSatisfy({ $0 < 60 }) else { return false }
            return days[0] + rest.reduce(0, +) > 0
        }
        guard let f = numbers(dash[0]), (1...3).contains(f.count) else { return false }
        // MM, MM:SS, HH:MM:SS: the first field may be large, the others are below 60.
        guard f.dropFirst().allSatisfy({ $0 < 60 }) else { return false }
        return f.reduce(0, +) > 0
    }

    /// The block at `path` in a validated spec tree (nil when absent).
    static func read(_ tree: SpecValue, at path: [String]) -> Resources? {
        guard let block = tree.value(at: path) else { return nil }
        func int(_ k: String) -> Int? { block[k]?.scalarString.flatMap { Int($0) } }
        func text(_ k: String) -> String? { block[k]?.scalarString }
        return Resources(nodes: int("nodes"), tasksPerNode: int("tasks_per_node"), cpusPerTask: int("cpus_per_task"),
                         mem: text("mem"), time: text("time"))
    }

    /// The resources of a run of `mode`: `ssl.resources` (pretraining) or `train.<mode>.resources`
    /// (a random-init control's probe block first), over the top-level `resources`.
    static func resolve(_ tree: SpecValue, mode: String, base: String) -> Resources {
        let top = read(tree, at: ["resources"]) ?? Resources()
        if mode == "ssl" { return (read(tree, at: ["ssl", "resources"]) ?? Resources()).over(top) }
        let probe = base == mode ? top : (read(tree, at: ["train", base, "resources"]) ?? Resources()).over(top)
        return (read(tree, at: ["train", mode, "resources"]) ?? Resources()).over(probe)
    }
}
