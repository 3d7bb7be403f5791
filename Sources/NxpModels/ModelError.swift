import Foundation

/// Why a model cannot be found, loaded or run. Messages name the file, tensor or value at fault.
public enum ModelError: Error, Equatable, CustomStringConvertible, Sendable {
  case unsupportedArchitecture(String)
  case badConfiguration(file: String, detail: String)
  case missingTensor(name: String, file: String)
  case wrongShape(tensor: String, expected: [Int], found: [Int])
  case unsupportedTensorType(tensor: String, type: String)
  case modelNotInstalled(name: String, path: String)
  case modelNotFound(String)
  case missingFile(path: String, detail: String)
  case emptyBatch
  case emptySequence(index: Int)
  case tokenOutOfRange(token: Int32, vocabularySize: Int)
  case sequenceTooLong(length: Int, limit: Int)
  case layerOutOfRange(layer: Int, layerCount: Int)
  case neuronOutOfRange(layer: Int, neuron: Int, neuronCount: Int)
  case layerPairOutOfOrder(from: Int, to: Int)
  case overrideLength(layer: Int, neuron: Int, expected: Int, found: Int)
  case overrideRows(layer: Int, neuron: Int, rows: Range<Int>, batchRows: Int)
  case beforeStart(layer: Int, start: Int)
  case excerptOutOfRange(index: Int, count: Int)
  case startResidualShape(expected: [Int], found: [Int])
  case noTokenizer(model: String)

  /// The architectures nxp can run, as named in GGUF `general.architecture` / HF `model_type`.
  public static let supportedArchitectures = Architecture.allCases.map(\.rawValue)

  public var description: String {
    switch self {
    case .unsupportedArchitecture(let a):
      return "unsupported model architecture '\(a)'; nxp supports: \(ModelError.supportedArchitectures.joined(separator: ", "))"
    case .badConfiguration(let file, let detail):
      return "bad model configuration in '\(file)': \(detail)"
    case .missingTensor(let name, let file):
      return "tensor '\(name)' is missing from '\(file)'"
    case .wrongShape(let t, let expected, let found):
      return "tensor '\(t)' has shape \(found), the configuration needs \(expected)"
    case .unsupportedTensorType(let t, let type):
      return "tensor '\(t)' has type \(type), which nxp cannot read"
    case .modelNotInstalled(let name, let path):
      return "model '\(name)' is not installed (expected at \(path)); install it with `scripts/install-model.sh`"
    case .modelNotFound(let name):
      return
        "no model '\(name)': not a known name (\(ModelRegistry.aliases.keys.sorted().joined(separator: ", "))), a .gguf file or a Hugging Face model folder"
    case .missingFile(let path, let detail):
      return "'\(path)': \(detail)"
    case .emptyBatch:
      return "no token sequences were given"
    case .emptySequence(let i):
      return "token sequence #\(i) is empty"
    case .tokenOutOfRange(let t, let v):
      return "token id \(t) is outside the vocabulary (0..<\(v))"
    case .sequenceTooLong(let n, let limit):
      return "a sequence of \(n) tokens exceeds the model's context of \(limit)"
    case .layerOutOfRange(let l, let n):
      return "layer \(l) does not exist (the model has layers 0..<\(n))"
    case .neuronOutOfRange(let l, let i, let n):
      return "neuron \(i) of layer \(l) does not exist (layers have \(n) neurons)"
    case .layerPairOutOfOrder(let from, let to):
      return "weights connect a layer to a later one; layer \(from) does not come before layer \(to)"
    case .overrideLength(let l, let i, let expected, let found):
      return "override of neuron \(i) in layer \(l) has \(found) values; it needs 1 or one per token (\(expected))"
    case .overrideRows(let l, let i, let rows, let n):
      return "override of neuron \(i) in layer \(l) applies to rows \(rows.lowerBound)..<\(rows.upperBound), outside the batch's 0..<\(n)"
    case .beforeStart(let l, let start):
      return "layer \(l) comes before the pass's first layer \(start): it can be neither captured nor replaced"
    case .excerptOutOfRange(let i, let n):
      return "excerpt \(i) does not exist (\(n) excerpts were given)"
    case .startResidualShape(let expected, let found):
      return "the starting residual stream has shape \(found); the batch needs \(expected)"
    case .noTokenizer(let m):
      return "model '\(m)' has no tokenizer"
    }
  }
}
