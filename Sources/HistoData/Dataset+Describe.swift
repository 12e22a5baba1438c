import Foundation

extension Dataset {
    /// A plain-text description: counts per class, and for BreakHis per magnification and
    /// per patient (with the patient's class).
    public func describe() -> String {
        var out = "\(kind.rawValue) at \(root.path): \(samples.count) images"
        out += classes.isEmpty ? "\n" : ", \(classes.count) classes\n"
        if !classes.isEmpty {
            let counts = classCounts
            let width = classes.map(\.count).max() ?? 0
            out += "\nclass" + String(repeating: " ", count: Swift.max(1, width - 3)) + "images\n"
            for (c, n) in zip(classes, counts) {
                out += c.padding(toLength: width + 2, withPad: " ", startingAt: 0) + String(n) + "\n"
            }
        }
        let zooms = Set(samples.map(\.zoom)).filter { !$0.isEmpty }
        if !zooms.isEmpty {
            out += "\nmagnification  images  patients\n"
            for z in BreakHis.magnifications where zooms.contains(z) {
                let s = samples.filter { $0.zoom == z }
                out += z.padding(toLength: 15, withPad: " ", startingAt: 0)
                    + String(s.count).padding(toLength: 8, withPad: " ", startingAt: 0) + String(Set(s.map(\.group)).count) + "\n"
            }
        }
        let groups = Set(samples.map(\.group)).filter { !$0.isEmpty }
        if !groups.isEmpty {
            out += "\npatient       class                images\n"
            for g in groups.sorted() {
                let s = samples.filter { $0.group == g }
                let cls = s.first?.label.map { classes[$0] } ?? ""
                out += g.padding(toLength: 14, withPad: " ", startingAt: 0) + cls.padding(toLength: 21, withPad: " ", startingAt: 0)
                    + String(s.count) + "\n"
            }
        }
        return out
    }
}
