import Foundation
import NxpCore
import Testing

@testable import NxpFormats

@Suite struct MappedFileTests {
  @Test func inMemoryCopyReadsLikeAFile() throws {
    let m = MappedFile(copying: Data([1, 2, 3]), path: "mem")
    #expect(m.path == "mem")
    #expect(m.size == 3)
    #expect(Array(m.bytes) == [1, 2, 3])
    let empty = MappedFile(copying: Data())
    #expect(empty.size == 0 && empty.bytes.isEmpty)
    #expect(throws: SafeTensorsError.headerTooSmall(path: "<memory>", size: 0)) { try SafeTensorsFile(file: empty) }
  }

  @Test func missingFileIsAUserError() {
    let error = #expect(throws: UserError.self) { try MappedFile(path: "/nonexistent/nxp/file.safetensors") }
    #expect(error?.message == "cannot open '/nonexistent/nxp/file.safetensors': no such file")
  }
}
