import XCTest
import CSiTKit
import NeuralKit
import TensorKit

final class ModelStructureTests: XCTestCase {
    func count(_ build: (inout RNG) -> Module) -> Int {
        var rng = RNG(seed: 0)
        return build(&rng).parameterCount
    }

    /// The counts method.md says the implementation must reproduce exactly.
    func testPublishedParameterCounts() throws {
        let compact = try CSiTConfig.preset("csit-compact")
        var rng = RNG(seed: 0)
        let ssl = CSiTModel(config: compact, mode: .ssl, rng: &rng)
        XCTAssertEqual(ssl.parameterCount, 6_090_570)
        XCTAssertEqual(ssl.patchEmbed.parameterCount, 611_520)
        XCTAssertEqual(ssl.blocks[0].parameterCount, 370_944)
        XCTAssertEqual(ssl.posEmbed.count, 38_016)
        let ft = CSiTModel(config: compact, mode: .finetune(classes: 9), rng: &rng)
        XCTAssertEqual(ft.parameterCount, 5_846_994)
        XCTAssertEqual(ft.summary.rows.first { $0.part == "backbone" }?.count, 5_843_520)
        let cct = CCTModel(config: try CSiTConfig.preset("cct-14-7x2"), classes: 1000, rng: &rng)
        XCTAssertEqual(cct.parameterCount, 22_367_273)
    }

    func testKeysFollowThePublishedStateDict() throws {
        var rng = RNG(seed: 0)
        let m = CSiTModel(config: try CSiTConfig.preset("csit-tiny", imageSize: 64, tokenStride: 8, representationSize: 32),
                          mode: .ssl, rng: &rng)
        let keys = Set(m.namedParameters().map(\.key))
        for k in ["patch_embed.conv_layers.0.0.weight", "patch_embed.conv_layers.1.0.weight", "rot_token",
                  "contrastive_token", "pos_embed", "blocks.3.attn.qkv.weight", "blocks.3.attn.qkv.bias",
                  "blocks.0.mlp.fc2.bias", "norm.weight", "rot_head.weight", "contrastive_head.bias",
                  "convTrans.weight", "convTrans.bias", "rot_w", "contrastive_w", "recons_w",
                  "pre_logits_rot.fc.weight", "pre_logits_contrastive.fc.bias"] {
            XCTAssertTrue(keys.contains(k), k)
        }
        XCTAssertEqual(m.posEmbed.shape, [1, 64 + 2, 64])
        XCTAssertEqual(m.convTrans?.weight.shape, [64, 3, 8, 8])
        let cct = CCTModel(config: try CSiTConfig.preset("cct-14-7x2", imageSize: 64), classes: 3, rng: &rng)
        let ck = Set(cct.namedParameters().map(\.key))
        for k in ["tokenizer.conv_layers.0.0.weight", "classifier.positional_emb", "classifier.attention_pool.weight",
                  "classifier.blocks.13.self_attn.qkv.weight", "classifier.blocks.0.pre_norm.bias",
                  "classifier.blocks.0.linear1.weight", "classifier.blocks.0.norm1.weight", "classifier.fc.bias"] {
            XCTAssertTrue(ck.contains(k), k)
        }
        XCTAssertFalse(ck.contains("classifier.blocks.0.self_attn.qkv.bias"), "CCT has no qkv bias")
        let out = withoutGrad { cct(Tensor(zeros: [2, 3, 64, 64])) }
        XCTAssertEqual(out.shape, [2, 3])
    }

    func testConfigErrors() {
        XCTAssertThrowsError(try CSiTConfig.preset("csit-compcat")) {
            XCTAssertEqual($0 as? ModelConfigError, .unknownPreset("csit-compcat", suggestion: "csit-compact"))
            XCTAssertTrue("\($0)".contains("did you mean 'csit-compact'"))
        }
        XCTAssertThrowsError(try CSiTConfig.preset("csit-tiny", imageSize: 100, tokenStride: 16)) {
            XCTAssertEqual($0 as? ModelConfigError, .imageSize(100, tokenStride: 16))
        }
        XCTAssertThrowsError(try CSiTConfig.preset("csit-tiny", tokenStride: 4))
    }

    func testSeqPoolAndRepresentationHeads() throws {
        var c = try CSiTConfig.preset("csit-tiny", imageSize: 32, tokenStride: 16, representationSize: 8)
        c.pooling = .seqPool
        var rng = RNG(seed: 0)
        let m = CSiTModel(config: c, mode: .finetune(classes: 5), rng: &rng)
        XCTAssertNotNil(m.attentionPool)
        let x = Tensor.normal([3, 3, 32, 32], rng: &rng)
        let out = m.classify(x)
        XCTAssertEqual(out.logits.shape, [3, 5])
        SSLObjective.finetuneLoss(out, labels: [0, 1, 4]).backward()
        XCTAssertNotNil(m.attentionPool?.weight.grad)
        XCTAssertNotNil(m.preLogitsRot?.fc.weight.grad)
    }

    func testSummaryGolden() throws {
        var rng = RNG(seed: 0)
        let m = CSiTModel(config: try CSiTConfig.preset("csit-compact"), mode: .ssl, rng: &rng)
        XCTAssertEqual(m.summary.render(), """
        tokenizer                611,520
        tokens                       384
        pos_embed                 38,016
        blocks (14)            5,193,216
          one block              370,944
        final norm                   384
        backbone               5,843,520
        rotation head                772
        contrastive head          98,816
        reconstruction head      147,459
        loss scalars                   3
        total                  6,090,570
        """)
    }
}
