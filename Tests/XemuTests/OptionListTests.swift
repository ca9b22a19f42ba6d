import Testing
@testable import Machine

@Suite struct OptionListTests {
    func items(_ text: String) -> [String] {
        OptionList(text).items.map { item in item.value.map { "\(item.key)=\($0)" } ?? "<\(item.key)>" }
    }

    @Test func splitsItemsIntoKeysAndValues() {
        #expect(items("user,hostfwd=tcp::1-:2,mac=52:54:00:00:00:01") == ["<user>", "hostfwd=tcp::1-:2", "mac=52:54:00:00:00:01"])
        #expect(items("file=a=b") == ["file=a=b"])
        #expect(items("") == ["<>"])
        #expect(items("a,") == ["<a>", "<>"])
    }

    @Test func aDoubledCommaIsALiteralComma() {
        #expect(items("file=x,,y,,,readonly=on") == ["file=x,y,", "readonly=on"])
        #expect(OptionList("dir,,name,tag=t").items.first?.text == "dir,name")
    }

    @Test func emptyItemsAreRefused() throws {
        let error = try #require(throws: ConfigurationError.self) { try DriveConfiguration(parsing: "file=a.img,,,") }
        #expect(error.description == "--drive: cannot parse '' (expected KEY=VALUE items separated by single commas)")
        #expect(throws: ConfigurationError.self) { try DriveConfiguration(parsing: "") }
        #expect(throws: ConfigurationError.self) { try NetdevConfiguration(parsing: "user,") }
    }
}
