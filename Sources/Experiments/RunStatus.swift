import Foundation
import Training

/// `csit status`: each run's state from the run store, joined with the scheduler's view
/// when the runs were submitted to Slurm. A run stopped by a signal after its checkpoint is
/// `preempted` (resumable); on Slurm, with the job back in the queue, `preempted: requeued …`.
public enum RunStatus {
    /// - Parameter verify: check every file a done run recorded (models included), not only
    ///   the ones tables read.
    public static func render(plan: Plan, store: RunStore, verify: Bool = false) -> String {
        let subs = SlurmExecutor(options: .init(), command: RunCommand(executable: "", specPath: "", overrides: []), store: store).submissions()
        var latest: [String: (SlurmExecutor.Submission, Int)] = [:]
        for s in subs { for (i, r) in s.runs.enumerated() { latest[r] = (s, i) } }
        let scheduler = SlurmScheduler()
        var states: [String] = []
        var counts: [String: Int] = [:]
        for r in plan.runs {
            let local = store.status(r.id)
            var state = local.state.rawValue
            var detail = ""
            if local.state != .done, let (sub, i) = latest[r.id] {
                let task = sub.array ? "\(sub.jobID)_\(i)" : sub.jobID
                if SlurmScheduler.available, let st = scheduler.state(jobID: sub.jobID, index: sub.array ? i : nil) {
                    switch st.state {
                    case let s where ["PENDING", "REQUEUED"].contains(s) && (local.state == .preempted || st.restarts > 0):
                        // Checkpointed on Slurm's signal and put back in the queue by its script.
                        state = "preempted"
                        detail = "requeued as job \(task) (\(st.state.lowercased()), \(st.reason)"
                            + (st.restarts > 0 ? ", restart \(st.restarts)" : "") + ")"
                    case "PENDING", "REQUEUED": state = "queued"; detail = "job \(task), \(st.reason)"
                    case "RUNNING", "COMPLETING", "CONFIGURING": state = "running"; detail = "job \(task)"
                    case "COMPLETED": detail = "job \(task) completed"
                    case let s where local.state == .preempted:
                        detail = "job \(task) ended \(s) without a requeue; csit run --executor slurm submits it again (resumable)"
                    default: state = "failed"; detail = "job \(task) \(st.state)" + (st.reason == "None" || st.reason.isEmpty ? "" : " (\(st.reason))")
                    }
                } else if local.state == .notStarted {
                    state = "submitted"; detail = "job \(task) (scheduler state unknown)"
                }
            }
            if state == "failed" || local.state == .failed {
                state = "failed"
                detail += (detail.isEmpty ? "" : "; ") + (local.message ?? "") + " — log: " + logPath(r.id, store: store, submission: latest[r.id])
            }
            if local.state == .notStarted && latest[r.id] == nil { state = "not submitted" }
            if local.state == .preempted && detail.isEmpty {
                detail = (local.message ?? "checkpointed") + " (resumable)"
            }
            if state == "running", let p = RunProgress.read(runDir: store.dir(r.id)) {
                detail = describe(p) + (detail.isEmpty ? "" : "; \(detail)")
            }
            if local.state == .done, let damage = store.damageDescription(r.id, ssl: r.config.mode == .ssl, verify: verify) {
                (state, detail) = ("damaged", damage)
            }
            counts[state, default: 0] += 1
            states.append(state + (detail.isEmpty ? "" : ": \(detail)"))
        }
        let summary = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        return "\(plan.spec.name): \(plan.runs.count) runs (\(summary))\n" + table(plan.runs, states: states)
    }

    /// The runs as aligned columns: id, the labels that tell them apart (mode, and fold, zoom,
    /// label fraction, sweep point and seed where the plan has them), state.
    static func table(_ runs: [PlannedRun], states: [String]) -> String {
        let columns: [(String, (RunLabel) -> String)] = [
            ("mode", \.mode), ("fold", { $0.fold.map(String.init) ?? "" }), ("zoom", { $0.zoom ?? "" }),
            ("labels", { $0.labelFraction < 1 ? "\($0.labelFraction)" : "" }), ("sweep", \.sweep), ("seed", { "\($0.seed)" }),
        ]
        // A run shared by several entries (an SSL run every sweep point starts from) shows
        // the values its entries share, and how many differ otherwise.
        let cells = runs.map { r in
            columns.map { _, value in
                let values = Set(r.labels.map(value))
                return values.count > 1 ? "(\(values.count) values)" : values.first ?? (value(RunLabel(mode: r.config.mode.rawValue, fold: r.config.fold,
                                                                                                        zoom: nil, labelFraction: 1, seed: r.config.seed, sweep: "")))
            }
        }
        // A column is shown when some run has a value in it (the seed: when seeds differ).
        let shown = columns.indices.filter { c in
            let values = cells.map { $0[c] }
            return c == 0 || (columns[c].0 == "seed" ? Set(values).count > 1 : values.contains { !$0.isEmpty })
        }
        let rows = [["id"] + shown.map { columns[$0].0 } + ["state"]]
            + zip(zip(runs, cells), states).map { rc, state in [rc.0.id] + shown.map { rc.1[$0] } + [state] }
        let widths = (0..<rows[0].count - 1).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            zip(row.dropLast(), widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row.last!
        }.joined(separator: "\n") + "\n"
    }

    /// "epoch 3/10, step 12/40, 45.2 img/s, ETA 12m00s (updated 0m05s ago)" for a running run.
    public static func describe(_ p: RunProgress, now: Date = Date()) -> String {
        var text = "epoch \(p.epoch)/\(p.epochs), step \(p.step)/\(p.steps), " + String(format: "%.1f img/s", p.imagesPerSecond)
        let age = p.age(now: now).map { Swift.max(0, $0) }
        // The remaining time was estimated when the file was written.
        if p.remainingSeconds >= 0 { text += ", ETA " + ProgressReporter.duration(Swift.max(0, p.remainingSeconds - (age ?? 0))) }
        if let age { text += " (updated \(ProgressReporter.duration(age)) ago)" }
        return text
    }

    static func logPath(_ id: String, store: RunStore, submission: (SlurmExecutor.Submission, Int)?) -> String {
        if let (sub, i) = submission {
            let dir = store.root.appendingPathComponent("slurm")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            if let f = files.first(where: { $0.hasSuffix("_\(sub.jobID)_\(sub.array ? String(i) : "4294967294").out") }) {
                return dir.appendingPathComponent(f).path
            }
        }
        return store.dir(id).appendingPathComponent("train.log").path
    }
}
