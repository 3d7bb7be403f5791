import ArgumentParser
import Foundation
import NxpInterp
import NxpLLM
import NxpModels
import NxpTensor

@main
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nxp-bench",
    abstract: "Measure nxp: sgemm and forward-pass rates, record throughput and memory, corpus ingestion, cached re-run time.",
    discussion: """
      Prints the figures the README quotes. Timings share the machine with whatever else runs;
      tokens per CPU-second are printed beside tokens per second for that reason.
      """)

  @Option(help: "The nxp binary to measure (default: the one built beside this program).")
  var nxp: String?

  @Option(help: "Excerpts of 64 tokens in the record throughput run (all 30 layers).")
  var excerpts = 2000

  @Option(help: "Excerpts per forward pass, in the forward run and in record (record's default is 16).")
  var batch = 16

  @Option(help: "Size in MB of the generated JSON Lines file of the corpus ingestion run.")
  var corpusMegabytes = 200

  @Option(help: "Size in MB of the generated one-line scripts that `nxp plan` reads.")
  var scriptMegabytes = 50

  @Option(help: "Nodes in the generated cached-script benchmark.")
  var nodes = 300

  @Option(help: "Repeats of each timed run of the cache benchmark (the median is reported).")
  var repeats = 5

  @Flag(help: "Only the cache benchmark (no model needed).")
  var cacheOnly = false

  @Flag(help: "Only corpus ingestion and the cache benchmark (no model needed).")
  var noModel = false

  @Flag(help: "Only the explainer and simulator benchmark.")
  var llmOnly = false

  @Flag(help: "Only the weight-based related-neurons benchmark.")
  var relatedOnly = false

  @Option(help: "Neurons explained, simulated and scored in the pipeline run of the LLM benchmark.")
  var llmNeurons = 4

  @Flag(help: "Only the ablation benchmark.")
  var ablateOnly = false

  @Option(help: "Neurons of the middle layer in the ablation benchmark.")
  var ablateNeurons = 4

  @Option(help: "Excerpts of 64 tokens per neuron in the ablation benchmark (the valid split has 10).")
  var ablateExcerpts = 3

  @Flag(help: "Only the benchmark of writing the viewer for one full layer.")
  var viewOnly = false

  @Option(help: "Excerpts of 64 tokens recorded for the viewer benchmark.")
  var viewExcerpts = 200

  @Flag(help: "Only record's throughput beside the bare forward pass (sgemm, forward, record, forward; llama-bench when on PATH).")
  var recordOnly = false

  func run() throws {
    let binary =
      nxp
      ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("nxp")
      .path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
      throw BenchError("no nxp binary at \(binary); build it with `swift build -c release`")
    }
    print("nxp-bench: \(binary), \(ProcessInfo.processInfo.activeProcessorCount) cores")

    if llmOnly {
      try llm(binary)
      return
    }
    if relatedOnly {
      try related(try ModelRegistry.load("smollm2-135m"))
      return
    }
    if ablateOnly {
      try ablation(try ModelRegistry.load("smollm2-135m"))
      return
    }
    if viewOnly {
      try viewer(binary)
      return
    }
    if !cacheOnly && !noModel {
      // Peak sgemm rates: the ceiling for the forward pass.
      let sgemm = SgemmBenchmark.standard()
      let coreType = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
      let forced = coreType.map { "forced by OPENBLAS_CORETYPE=\($0)" } ?? "chosen for this CPU"
      print("sgemm   OpenBLAS kernel: \(BLAS.kernel) (\(forced))")
      for m in sgemm { print("sgemm   \(m)") }
      let peak = sgemm.map(\.gflops).max() ?? 0

      let loadStart = Date()
      let model = try ModelRegistry.load("smollm2-135m")
      print(
        String(
          format: "model   %@ loaded in %.2f s: %.0f MB of float32 weights", model.name, Date().timeIntervalSince(loadStart),
          Double(model.weightBytes) / 1e6))
      // As loaded: `related` and the ablation build the output head in this process (113 MB),
      // which a recording never does.
      let weightBytes = model.weightBytes
      if !recordOnly { try related(model) }
      let flops = model.configuration.projectionFLOPsPerToken()
      // The bare forward pass before and after record, so the ratio sees the same machine load.
      let f1 = try ForwardBenchmark.run(model: model, excerpts: 256, tokensPerExcerpt: 64, batchSize: batch)
      print(
        String(
          format:
            "forward %.1f tokens/s (%.1f tokens per CPU-second), all %d layers' neurons of %@, batch %d: %.1f GFLOP/s = %.0f%% of peak sgemm (%.0f MFLOP/token; limit %.0f tokens/s)",
          f1.tokensPerSecond, f1.tokensPerCPUSecond, model.configuration.layerCount, model.name, batch, f1.gflops, 100 * f1.gflops / peak,
          flops / 1e6, peak * 1e9 / flops))

      if !recordOnly {
        try ablation(model)
        try viewer(binary)
      }

      // record end to end, and its memory at 10x and 100x the top-k buffer's 20 excerpts.
      let big = try RecordBenchmark(nxp: binary, excerpts: excerpts, batch: batch).run()
      let f2 = try ForwardBenchmark.run(model: model, excerpts: 256, tokensPerExcerpt: 64, batchSize: batch)
      let forwardRate = (f1.tokensPerSecond + f2.tokensPerSecond) / 2
      let rate = big.tokensPerSecond * flops / 1e9
      print(
        String(
          format:
            "record  %.1f tokens/s: %d excerpts x 64 tokens, all 30 layers x 1536 neurons, batch %d, in %.1f s (%.1f GFLOP/s = %.0f%% of peak sgemm) = %.0f%% of the forward pass's %.1f tokens/s in this run (before and after record: %.1f, %.1f)",
          big.tokensPerSecond, big.excerpts, batch, big.recordSeconds, rate, 100 * rate / peak, 100 * big.tokensPerSecond / forwardRate,
          forwardRate, f1.tokensPerSecond, f2.tokensPerSecond))
      if recordOnly {
        llama(recordRate: big.tokensPerSecond)
        return
      }
      let small = try RecordBenchmark(nxp: binary, excerpts: max(1, excerpts / 10), batch: batch).run()
      let c = model.configuration
      let state = RecordConfiguration(layers: [0], neuronsPerLayer: c.intermediateSize, excerptCount: 1).stateBytesPerNeuron
      let stateAll = state * c.intermediateSize * c.layerCount
      print(
        String(
          format:
            "memory  record state (defaults: top 20, random 20, 4 per quantile bucket): %d bytes per neuron, %.0f MB per layer, %.2f GB for all %d layers",
          state, Double(state * c.intermediateSize) / 1e6, Double(stateAll) / 1e9, c.layerCount))
      // One batch: the neuron activations of every layer that the forward pass hands to record.
      let batchBytes = batch * 64 * c.intermediateSize * c.layerCount * 4
      let bound = 1.1 * Double(stateAll + weightBytes + batchBytes)
      print(
        String(
          format:
            "memory  peak RSS of `nxp run` recording all 30 layers: %.0f MB for %d excerpts, %.0f MB for %d excerpts; bound %.0f MB = 1.1 x (state %.0f + weights %.0f + one batch %.0f MB)",
          Double(small.peakRSSBytes) / 1e6, small.excerpts, Double(big.peakRSSBytes) / 1e6, big.excerpts, bound / 1e6,
          Double(stateAll) / 1e6, Double(weightBytes) / 1e6, Double(batchBytes) / 1e6))

      llama(recordRate: big.tokensPerSecond)
    }

    if !cacheOnly && !noModel { try llm(binary) }

    if !cacheOnly {
      let corpus = try CorpusBenchmark(megabytes: corpusMegabytes, repeats: 3).run()
      print(
        String(
          format:
            "corpus  JSON Lines ingestion: %.0f MB/s, %d documents from a generated %.0f MB file (reading the same file with FileHandle: %.0f MB/s, from the page cache)",
          corpus.ingestMBps, corpus.documents, Double(corpus.bytes) / 1e6, corpus.readMBps))
      for r in try ScriptBenchmark(nxp: binary, megabytes: scriptMegabytes).run() {
        print(
          String(
            format: "script  nxp plan of a generated one-line %.0f MB script, %@: %.1f s (%.1f MB/s), peak memory %.0f MB",
            Double(r.bytes) / 1e6, r.what, r.seconds, Double(r.bytes) / 1e6 / r.seconds, Double(r.peakRSSBytes) / 1e6))
      }
    }

    let c = try CacheBenchmark(nxp: binary, nodes: nodes, repeats: repeats).run()
    print(
      String(
        format: "cache   re-run of a fully cached script, %d nodes (%d shown): %.3f s (first run %.3f s)", c.nodes, c.shown, c.cachedRun,
        c.firstRun))
    print(
      String(format: "cache   process start (nxp --version): %.3f s; overhead per node: %.0f us", c.processStart, c.perNodeMicroseconds))
    let (inMemory, fromFile) = ChecksumBenchmark.run()
    print(
      String(
        format: "cache   XXH64 checksum of every value read: %.1f GB/s in memory, %.1f GB/s from a cached 256 MB file", inMemory, fromFile))
  }

  /// llama.cpp's prompt processing on the same GGUF, when llama-bench is on PATH, and record's
  /// rate over it.
  func llama(recordRate: Double) {
    let gguf = (try? ModelRegistry.files("smollm2-135m").first) ?? nil
    switch gguf.map({ LlamaBenchmark.run(gguf: $0) }) ?? .notMeasured(reason: "the GGUF file was not found") {
    case .measured(let ts, let path):
      print(
        String(
          format:
            "llama   llama.cpp's llama-bench (%@, prompt processing, 64 tokens, 2 threads): %.1f tokens/s; nxp's record rate over it: %.2f",
          path, ts, recordRate / ts))
    case .notMeasured(let reason):
      print("llama   llama.cpp's prompt processing was not measured: \(reason)")
    }
  }

  /// Weight-based related neurons: one layer pair, and everything `related` gives for a layer.
  func related(_ model: TransformerModel) throws {
    let c = model.configuration
    let r = try RelatedBenchmark.run(model: model)
    print(
      String(
        format:
          "related %d x %d neurons of one layer pair (layers 14 -> 15, gate and up: one %dx%dx%d sgemm): %.3f s (%.1f GFLOP/s); every neuron of layer 14 with its top 10 up- and downstream neurons over all %d other layers and top 20 input and output tokens of %d: %.1f s",
        c.intermediateSize, c.intermediateSize, c.intermediateSize, c.mlpInputWidth, c.hiddenSize, r.pairSeconds, r.pairGFLOPs,
        c.layerCount - 1, c.vocabularySize, r.layerSeconds))
  }

  /// Writing the viewer for one full layer: its own time (beside loading its inputs) and memory.
  func viewer(_ binary: String) throws {
    let r = try ViewerBenchmark(nxp: binary, excerpts: viewExcerpts).run()
    print(
      String(
        format:
          "view    viewer of every neuron of one layer (%d pages with records and related neurons and tokens, %.0f MB): %.1f s to write (%.1f s for the run, %.1f s of it loading the cached values), peak memory %.0f MB",
        r.pages, Double(r.bytes) / 1e6, r.writeSeconds, r.viewSeconds, r.loadSeconds, Double(r.peakRSSBytes) / 1e6))
  }

  /// The cost of ablating a neuron, with and without the residual stream reused.
  func ablation(_ model: TransformerModel) throws {
    let layer = model.configuration.layerCount / 2
    let bench = AblationBenchmark(model: model, layer: layer, neurons: ablateNeurons, excerptsPerNeuron: ablateExcerpts)
    let reused = try bench.run(reuseResidual: true)
    let full = try bench.run(reuseResidual: false)
    print(
      String(
        format:
          "ablate  layer %d of %@, %d neurons x %d excerpts x 64 tokens, 3 copies each (simulation, mean, zero): %.2f s per neuron from the residual stream entering the layer, %.2f s from the embedding (%.2fx; %d and %d rows in %d and %d passes); divergence of one %d-token row: %.2f ms",
        layer, model.name, ablateNeurons, ablateExcerpts, reused.secondsPerNeuron, full.secondsPerNeuron,
        full.secondsPerNeuron / reused.secondsPerNeuron, reused.rows, full.rows, reused.passes, full.passes,
        model.configuration.vocabularySize, bench.divergenceMilliseconds()))
  }

  /// explain + simulate + score on the local engine, the simulator's rate beside the bare forward
  /// pass's, what prefix reuse gains, and a llama.cpp server's request rate.
  func llm(_ binary: String) throws {
    let model = try ModelRegistry.load("smollm2-135m")
    let forward = try ForwardBenchmark.run(model: model, excerpts: 64, tokensPerExcerpt: 64, batchSize: batch)
    let batched = try LLMBenchmark.simulation(model: model, excerpts: 16, reuse: true, batched: true)
    let reused = try LLMBenchmark.simulation(model: model, excerpts: 8, reuse: true, batched: false)
    let full = try LLMBenchmark.simulation(model: model, excerpts: 4, reuse: false, batched: false)
    func perExcerpt(_ s: LLMBenchmark.Simulation) -> Double { s.seconds / Double(s.excerpts) }
    print(
      String(
        format:
          "simulate all-at-once, local: %.0f prompt tokens/s (%.0f fed tokens/s = %.0f%% of the bare forward pass's %.1f tokens/s in this run; the rest of the prompt is the shared prefix of system text, worked examples and explanation, computed once); %.2f s per 32-token excerpt",
        batched.promptTokensPerSecond, batched.fedTokensPerSecond, 100 * batched.fedTokensPerSecond / forward.tokensPerSecond,
        forward.tokensPerSecond, perExcerpt(batched)))
    print(
      String(
        format:
          "simulate per 32-token excerpt: %.2f s with %d excerpts per batch on the shared prefix, %.2f s one at a time reusing the prefix (%.0f fed tokens/s), %.2f s with no reuse (batches %.1fx faster than one at a time, %.1fx than no reuse)",
        perExcerpt(batched), LocalBackend.defaultPromptBatch, perExcerpt(reused), reused.fedTokensPerSecond, perExcerpt(full),
        perExcerpt(reused) / perExcerpt(batched), perExcerpt(full) / perExcerpt(batched)))
    let p = try LLMBenchmark(nxp: binary, neurons: llmNeurons).pipeline()
    print(
      String(
        format:
          "explain %.2f neurons/min explained, simulated (calibration + valid + shuffled, 32-token excerpts) and scored by the local engine: %d neurons, explain %.1f s, simulate %.1f s; cached re-run of the script %.3f s (first run %.1f s)",
        p.neuronsPerMinute, p.neurons, p.explainSeconds, p.simulateSeconds, p.cachedRun, p.firstRun))
    switch LLMBenchmark.serverRate(requests: 24) {
    case .measured(let rates):
      print(
        "server  llama-cpp-python's OpenAI-compatible server, short chat requests (1 token out): "
          + rates.map { String(format: "%.2f requests/s at concurrency %d", $0.requestsPerSecond, $0.concurrency) }.joined(
            separator: ", "))
    case .notMeasured(let why):
      print("server  llama.cpp server request rate not measured: \(why)")
    }
  }
}
