import XCTest
import CSiTKit
import TensorKit
import Training

/// Mid-epoch checkpoints: a run stopped after any step (as a signal stops it) and resumed,
/// possibly several times, ends bit for bit as the uninterrupted run; a time-based
/// checkpoint bounds what a kill -9 loses.
extension TrainerTests {
    /// The files whose bytes must match, and the per-epoch numbers of log.jsonl.
    func outcome(_ run: String) throws -> (files: [String: Data], log: [[Double]]) {
        var files: [String: Data] = [:]
        for f in ["model.safetensors", "predictions.csv", "metrics.json", "checkpoint.safetensors", "best.safetensors"] {
            files[f] = try? Data(contentsOf: dir(run).appendingPathComponent(f))
        }
        let log = TrainingLog(url: dir(run).appendingPathComponent("log.jsonl"), keepingThrough: Int.max).records.map { r in
            [Double(r.epoch), Double(r.steps), r.lr, r.loss] + r.lossParts.sorted { $0.key < $1.key }.map(\.value)
                + (r.validation ?? [:]).sorted { $0.key < $1.key }.map(\.value)
        }
        return (files, log)
    }

    /// Stops after seeded random steps (mid-epoch, an epoch's last step, the very first),
    /// two stops in one run included; every resumed run equals the uninterrupted one.
    func testStoppedAtAnyStepAndResumedEqualsUninterrupted() throws {
        var rng = RNG(seed: 0x5709, stream: "stops")
        for mode in [RunConfig.Mode.ft, .ssl] {
            let c = tiny(mode)
            _ = try Trainer(config: c, runDir: dir("whole-step-\(mode)")).run()
            let reference = try outcome("whole-step-\(mode)")
            let steps = try XCTUnwrap(reference.log.first?[1]).rounded()
            XCTAssertGreaterThan(steps, 2, "the test needs epochs of several steps")
            let total = Int(steps) * c.epochs
            // Global steps: the first, the last of epoch 1, two random ones (in order, one run).
            let random = [Int(rng.next() % UInt64(total - 1)), Int(rng.next() % UInt64(total - 1))].sorted()
            let twice = random[0] == random[1] ? [random[0]] : random
            // Fine-tuning tries every kind of position; SSL (slower) two random stops in one run.
            let plans: [[Int]] = mode == .ft ? [[0], [Int(steps) - 1], twice] : [twice]
            for (n, stops) in plans.enumerated() {
                let name = "stopped-\(mode)-\(n)"
                for global in stops {
                    let t = Trainer(config: c, runDir: dir(name))
                    t.stopAfterStep = (global / Int(steps), global % Int(steps))
                    let r = try t.run()
                    XCTAssertEqual(r.stopped, StopReport(signal: nil, epoch: global / Int(steps), step: global % Int(steps) + 1), "\(mode) \(stops)")
                    let meta = try SafeTensors.read(dir(name).appendingPathComponent("checkpoint.safetensors")).metadata
                    XCTAssertEqual(meta["format"], "csit-checkpoint-3")
                    XCTAssertEqual(meta["step"], String(global % Int(steps) + 1), "the checkpoint is the step's")
                }
                let resumed = try Trainer(config: c, runDir: dir(name)).run()
                XCTAssertNil(resumed.stopped)
                let got = try outcome(name)
                XCTAssertEqual(got.log, reference.log, "\(mode) stopped after \(stops): log.jsonl numbers")
                for (f, bytes) in reference.files {
                    XCTAssertEqual(got.files[f], bytes, "\(mode) stopped after global steps \(stops): \(f) differs")
                }
            }
        }
    }

    /// With checkpoint_minutes set, a checkpoint is written inside the epoch once the interval
    /// has passed (a clock that advances a minute per look): a run that dies at step 3 keeps
    /// step 2's state. With 0, nothing is written before the epoch ends. Resuming from the
    /// time-based checkpoint ends as the uninterrupted run.
    func testTimeBasedCheckpointBoundsWhatAKillLoses() throws {
        let c = tiny(.ft)
        var minute = 0.0
        let ticking = { () -> Date in minute += 60; return Date(timeIntervalSince1970: minute) }
        var execution = ExecutionConfig()
        execution.checkpointMinutes = 1
        let t = Trainer(config: c, execution: execution, runDir: dir("timed"))
        t.clock = ticking
        t.faultInjection = { epoch, step in epoch == 0 && step == 2 }
        XCTAssertThrowsError(try t.run()) { error in
            guard case let .nonFinite(_, _, _, checkpoint)? = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertNotNil(checkpoint, "a time-based checkpoint exists before the first epoch ends")
        }
        let meta = try SafeTensors.read(dir("timed").appendingPathComponent("checkpoint.safetensors")).metadata
        XCTAssertEqual(meta["epoch"], "0")
        XCTAssertEqual(meta["step"], "2", "the last step before the failure is kept")

        execution.checkpointMinutes = 0
        let never = Trainer(config: c, execution: execution, runDir: dir("untimed"))
        never.clock = ticking
        never.faultInjection = { epoch, step in epoch == 0 && step == 2 }
        XCTAssertThrowsError(try never.run())
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir("untimed").appendingPathComponent("checkpoint.safetensors").path),
                       "checkpoint_minutes 0: only epoch ends and signals write checkpoints")

        _ = try Trainer(config: c, runDir: dir("timed-whole")).run()
        _ = try Trainer(config: c, runDir: dir("timed")).run()
        XCTAssertEqual(try outcome("timed").files, try outcome("timed-whole").files)
    }

    /// A signal polled after a step stops the run there; the report names the signal.
    func testAStopSignalStopsAfterTheCurrentStep() throws {
        var c = tiny(.ft)
        c.epochs = 1
        let t = Trainer(config: c, runDir: dir("signalled"))
        var polls = 0
        t.stopSignal = { polls += 1; return polls >= 2 ? SIGUSR1 : nil }
        let r = try t.run()
        XCTAssertEqual(r.stopped, StopReport(signal: SIGUSR1, epoch: 0, step: 2))
        XCTAssertTrue(r.stopped!.describe(steps: 6).contains("SIGUSR1 after step 2 of 6 in epoch 1"), r.stopped!.describe(steps: 6))
        XCTAssertTrue(r.interrupted)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir("signalled").appendingPathComponent("model.safetensors").path))
    }

    /// A signal that arrives after an epoch's last step (during its evaluation) stops the run
    /// after the epoch's own checkpoint; the rerun goes on with the next epoch and ends as the
    /// uninterrupted run.
    func testASignalDuringAnEpochsEvaluationStopsAfterItsCheckpoint() throws {
        var c = tiny(.ft)
        c.epochs = 2
        let whole = try Trainer(config: c, runDir: dir("eval-whole")).run()
        let steps = whole.records[0].steps
        let t = Trainer(config: c, runDir: dir("eval-signalled"))
        var polls = 0
        // One poll per step, then the one after the epoch's checkpoint.
        t.stopSignal = { polls += 1; return polls > steps ? SIGTERM : nil }
        let r = try t.run()
        XCTAssertEqual(r.stopped, StopReport(signal: SIGTERM, epoch: 0, step: steps))
        XCTAssertEqual(r.records.count, 1, "epoch 1 was evaluated and logged before the stop")
        let meta = try SafeTensors.read(dir("eval-signalled").appendingPathComponent("checkpoint.safetensors")).metadata
        XCTAssertNil(meta["step"], "the epoch's own checkpoint, not a mid-epoch one")
        XCTAssertEqual(meta["epoch"], "0")
        _ = try Trainer(config: c, runDir: dir("eval-signalled")).run()
        XCTAssertEqual(try outcome("eval-signalled").files, try outcome("eval-whole").files)
        XCTAssertEqual(try outcome("eval-signalled").log, try outcome("eval-whole").log)
    }

    /// Format 2 checkpoints (epoch ends only) still resume; a mid-epoch field that does not
    /// read back is refused with the file and the field.
    func testFormatTwoStillReadsAndBadPositionsAreRefused() throws {
        var c = tiny(.ft)
        c.epochs = 2
        let whole = try Trainer(config: c, runDir: dir("v2-whole")).run()
        let first = Trainer(config: c, runDir: dir("v2"))
        first.stopAfterEpoch = 0
        _ = try first.run()
        let url = dir("v2").appendingPathComponent("checkpoint.safetensors")
        let saved = try SafeTensors.read(url)
        let tensors = saved.tensors
        var meta = saved.metadata
        meta["format"] = "csit-checkpoint-2"
        try SafeTensors.write(tensors, metadata: meta, to: url)
        let resumed = try Trainer(config: c, runDir: dir("v2")).run()
        XCTAssertEqual(resumed.records.map(\.loss), whole.records.map(\.loss))

        meta["format"] = "csit-checkpoint-3"
        meta["step"] = "2"
        meta["loss_sum"] = "lots"
        try SafeTensors.write(tensors, metadata: meta, to: url)
        XCTAssertThrowsError(try Trainer(config: c, runDir: dir("v2")).run()) { error in
            XCTAssertTrue("\(error)".contains("checkpoint.safetensors: cannot resume: its mid-epoch loss_sum is 'lots'"), "\(error)")
        }
        (meta["loss_sum"], meta["step"]) = ("1.5", "9999")
        try SafeTensors.write(tensors, metadata: meta, to: url)
        XCTAssertThrowsError(try Trainer(config: c, runDir: dir("v2")).run()) { error in
            XCTAssertTrue("\(error)".contains("stopped after step 9999 of an epoch, but an epoch here has"), "\(error)")
        }
    }

    /// The one per-step decision: a signal beats the clock, the clock restarts at each
    /// checkpoint, and decisions order so that a maximum over ranks is the collective one.
    func testStepPolicyDecisions() {
        var now = 0.0
        var signal: Int32?
        let p = StepCheckpointPolicy(minutes: 1, stopSignal: { signal }, stopAfter: (epoch: 2, step: 3),
                                     now: { Date(timeIntervalSince1970: now) })
        XCTAssertEqual(p.decide(epoch: 0, step: 0), .proceed)
        now = 59
        XCTAssertEqual(p.decide(epoch: 0, step: 1), .proceed)
        now = 60
        XCTAssertEqual(p.decide(epoch: 0, step: 2), .checkpoint)
        p.checkpointed()
        XCTAssertEqual(p.decide(epoch: 0, step: 3), .proceed, "the interval restarts at a checkpoint")
        XCTAssertEqual(p.decide(epoch: 2, step: 3), .checkpointAndStop)
        signal = SIGTERM
        XCTAssertEqual(p.decide(epoch: 0, step: 4), .checkpointAndStop)
        XCTAssertTrue(p.stopRequested)
        XCTAssertEqual([StepCheckpointPolicy.Decision.checkpoint, .checkpointAndStop, .proceed].max(), .checkpointAndStop)
        let off = StepCheckpointPolicy(minutes: 0, now: { Date(timeIntervalSince1970: now) })
        now = 1e9
        XCTAssertEqual(off.decide(epoch: 0, step: 0), .proceed, "0 minutes: no time-based checkpoints")
    }
}
