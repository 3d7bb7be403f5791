import Foundation
import NxpTestSupport
import Testing

/// The model primitives through the real binary, checked from Python: what `save` writes is
/// read by the `safetensors` package and compared with a numpy forward pass.
@Suite struct ModelPrimitiveTests {
  @Test func savedActivationsMatchANumpyForwardPass() throws {
    let model = try TestEnvironment.defaultModelPath()
    let dir = try TestEnvironment.temporaryDirectory("nxp-acts")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let text = "The café's 3 cats — and 42 dogs — sat on the mat.\nThen they left."
    let script = """
      param text = "\(text.replacingOccurrences(of: "\n", with: "\\n"))"
      model = load("smollm2-135m")
      save(activations(model, text, layer: 3), to: "acts.safetensors")
      save(tokens(model, text), to: "tokens.jsonl")
      show activations(model, text, layer: 3)
      """
    try script.write(toFile: dir + "/a.nxp", atomically: true, encoding: .utf8)
    let run = try CommandRunner.nxp(["run", "a.nxp"], in: dir)
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.hasPrefix("Tensor smollm2-135m layer 3: ["))
    let out = try PythonReference.run("check_saved_activations.py", [dir + "/acts.safetensors", dir + "/tokens.jsonl", model, "3", text])
    let report = try JSONSerialization.jsonObject(with: out) as! [String: Any]
    let shape = report["shape"] as! [Int]
    #expect(shape.count == 2 && shape[1] == 1536)
    #expect(report["ids_match_reference_tokenizer"] as? Bool == true)
    let diff = report["max_abs_diff"] as! Double, scale = report["max_abs_activation"] as! Double
    // float32 against float64: measured about 1e-6 of the largest activation.
    #expect(diff < 1e-4 * scale, "max abs diff \(diff) vs max activation \(scale)")
  }

  @Test func missingModelSaysHowToInstallIt() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-nomodel")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "model = load(\"smollm2-135m\")\nshow model\n".write(toFile: dir + "/m.nxp", atomically: true, encoding: .utf8)
    let r = try CommandRunner.nxp(["run", "m.nxp"], in: dir, environment: ["NXP_MODELS_DIR": dir + "/empty"])
    #expect(r.status == 65)
    #expect(
      r.stderr.contains(
        "model 'smollm2-135m' is not installed (expected at \(dir)/empty/SmolLM2-135M-Instruct.Q4_1.gguf); install it with `scripts/install-model.sh`"
      ), "\(r.stderr)")
  }

  @Test func truncatedModelFileIsAClearError() throws {
    let model = try TestEnvironment.defaultModelPath()
    let dir = try TestEnvironment.temporaryDirectory("nxp-badmodel")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let data = try Data(contentsOf: URL(fileURLWithPath: model), options: .alwaysMapped)
    try data.prefix(5_000_000).write(to: URL(fileURLWithPath: dir + "/cut.gguf"))
    try "model = load(\"cut.gguf\")\nshow model\n".write(toFile: dir + "/m.nxp", atomically: true, encoding: .utf8)
    let r = try CommandRunner.nxp(["run", "m.nxp"], in: dir)
    #expect(r.status == 70, "\(r)")
    #expect(r.stderr.contains("m.nxp:1:9: error: "))
    #expect(r.stderr.contains("truncated") || r.stderr.contains("past the end"), "\(r.stderr)")
  }
}
