// swift-tools-version:6.0
import PackageDescription

// Dependencies point downward only, and each target declares exactly what it imports
// (scripts/check-imports.py, run by `make test`):
//   CBLAS <- NxpTensor <- NxpModels <- NxpRuntime <- nxp; NxpCore <- NxpInterp <- NxpRuntime
//   NxpCore <- {NxpFormats, NxpCache, NxpSyntax}; NxpFormats <- NxpTokenizer <- NxpModels
//   {NxpInterp, NxpSyntax} <- NxpViewer <- NxpRuntime (the static HTML viewer; `view` is its primitive)
//   CEditLine <- NxpLineEdit <- nxp
// The numeric modules are optimized in debug builds too, so `swift test` runs model code at speed.
let optimize: [SwiftSetting] = [
  .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
  .unsafeFlags(["-O"], .when(configuration: .debug)),
]

let package = Package(
  name: "nxp",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "nxp", targets: ["nxp"]),
    .executable(name: "nxp-bench", targets: ["nxp-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
  ],
  targets: [
    // MARK: - C shims
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
    .target(name: "CEditLine", path: "Sources/CEditLine", linkerSettings: [.linkedLibrary("edit")]),

    // MARK: - Libraries
    .target(name: "NxpCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
    .target(name: "NxpTensor", dependencies: ["CBLAS"], swiftSettings: optimize),
    .target(name: "NxpFormats", dependencies: ["NxpCore"], swiftSettings: optimize),
    .target(name: "NxpTokenizer", dependencies: ["NxpFormats"], swiftSettings: optimize),
    .target(name: "NxpModels", dependencies: ["NxpCore", "NxpTensor", "NxpFormats", "NxpTokenizer"], swiftSettings: optimize),
    .target(name: "NxpInterp", dependencies: ["NxpCore"], swiftSettings: optimize),
    .target(
      name: "NxpLLM", dependencies: ["NxpCore", "NxpTensor", "NxpFormats", "NxpTokenizer", "NxpModels", "NxpInterp"],
      swiftSettings: optimize),
    .target(name: "NxpCache", dependencies: ["NxpCore"]),
    .target(name: "NxpSyntax", dependencies: ["NxpCore"]),
    .target(name: "NxpViewer", dependencies: ["NxpCore", "NxpInterp", "NxpSyntax"]),
    .target(
      name: "NxpRuntime",
      dependencies: [
        "NxpCore", "NxpFormats", "NxpTokenizer", "NxpModels", "NxpInterp", "NxpLLM", "NxpCache", "NxpSyntax", "NxpViewer",
      ]),
    .target(name: "NxpLineEdit", dependencies: ["CEditLine"]),
    .target(name: "NxpTestSupport", dependencies: ["NxpCore", "NxpFormats", "NxpModels"]),

    // MARK: - Executables
    .executableTarget(
      name: "nxp",
      dependencies: [
        "NxpCore", "NxpCache", "NxpRuntime", "NxpLineEdit", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "nxp-bench",
      dependencies: [
        "NxpCore", "NxpTensor", "NxpModels", "NxpInterp", "NxpLLM", "NxpCache", "NxpRuntime", "NxpTestSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // MARK: - Tests
    .testTarget(name: "NxpCoreTests", dependencies: ["NxpCore"]),
    .testTarget(name: "NxpTensorTests", dependencies: ["NxpTensor"]),
    .testTarget(name: "NxpFormatsTests", dependencies: ["NxpCore", "NxpFormats", "NxpTestSupport"]),
    .testTarget(name: "NxpTokenizerTests", dependencies: ["NxpCore", "NxpFormats", "NxpTokenizer", "NxpTestSupport"]),
    .testTarget(name: "NxpModelsTests", dependencies: ["NxpFormats", "NxpTensor", "NxpModels", "NxpTestSupport"]),
    .testTarget(name: "NxpInterpTests", dependencies: ["NxpCore", "NxpInterp", "NxpTestSupport"]),
    .testTarget(name: "NxpLLMTests", dependencies: ["NxpInterp", "NxpModels", "NxpLLM", "NxpTestSupport"]),
    .testTarget(name: "NxpCacheTests", dependencies: ["NxpCore", "NxpCache", "NxpTestSupport"]),
    .testTarget(name: "NxpViewerTests", dependencies: ["NxpInterp", "NxpViewer", "NxpTestSupport"]),
    .testTarget(name: "NxpSyntaxTests", dependencies: ["NxpCore", "NxpSyntax", "NxpTestSupport"]),
    .testTarget(name: "NxpRuntimeTests", dependencies: ["NxpCore", "NxpInterp", "NxpLLM", "NxpSyntax", "NxpRuntime", "NxpTestSupport"]),
    .testTarget(name: "NxpCLITests", dependencies: ["NxpCore", "NxpTestSupport"]),
  ],
  swiftLanguageModes: [.v5]
)
