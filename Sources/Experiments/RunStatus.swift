import Foundation

/// `csit status`: each run's state from the run store, joined with the scheduler's view
/// when the runs were submitted to Slurm. A run stopped by a signal after its checkpoint is
/// `preempted` (resumable); on Slurm, with the job back in the queue, `preempted: requeued …`.
public enum RunStatus {
    /// - Parameter verify: check every file a done run recorded (models included), not only
    ///   the ones tables read.
    public static func render(plan: Plan, store: RunStore, verify: Bool = false) -> String {
        // random-le and random-mlp were both cut to "random".
        let modeWidth = Swift.max(6, plan.runs.map(\.config.mode.rawValue.count).max() ?? 0)
        let subs = SlurmExecutor(options: .init(), command: RunCommand(executable: "", specPath: "", overrides: []), store: store).submissions()
        var latest: [String: (SlurmExecutor.Submission, Int)] = [:]
        for s in subs { for (i, r) in s.runs.enumerated() { latest[r] = (s, i) } }
        let scheduler = SlurmScheduler()
        var lines: [String] = []
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
            if local.state == .done, let damage = store.damageDescription(r.id, ssl: r.config.mode == .ssl, verify: verify) {
                (state, detail) = ("damaged", damage)
            }
            counts[state, default: 0] += 1
            lines.append("\(r.id)  \(r.config.mode.rawValue.padding(toLength: modeWidth, withPad: " ", startingAt: 0))  \(state)" + (detail.isEmpty ? "" : ": \(detail)"))
        }
        let summary = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        return "\(plan.spec.name): \(plan.runs.count) runs (\(summary))\n" + lines.joined(separator: "\n") + "\n"
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
