/// A QEMU-style option value: comma-separated items, each `key=value` or a bare word.
///
/// A doubled comma (`,,`) stands for a literal comma inside an item, as in QEMU, so paths with
/// commas can still be given. Items keep their order; repeated keys are left to the caller.
struct OptionList {
    struct Item: Equatable {
        /// The whole item as written (after `,,` unescaping).
        var text: String
        /// The part before the first `=`, or the whole item when it has no `=`.
        var key: String
        /// The part after the first `=`; nil for a bare word.
        var value: String?
    }

    var items: [Item] = []

    init(_ text: String) {
        var current = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "," {
                if next < text.endIndex, text[next] == "," {
                    current.append(",")
                    index = text.index(after: next)
                    continue
                }
                items.append(Self.item(current))
                current = ""
            } else {
                current.append(character)
            }
            index = next
        }
        items.append(Self.item(current))
    }

    private static func item(_ text: String) -> Item {
        guard let equals = text.firstIndex(of: "=") else { return Item(text: text, key: text, value: nil) }
        return Item(text: text, key: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
    }
}

extension OptionList.Item {
    /// The value of a `key=on|off` switch.
    func switchValue(option: String) throws(ConfigurationError) -> Bool {
        switch value {
        case "on": true
        case "off": false
        default: throw .badValue(option: option, key: key, value: value ?? "", expected: "on or off")
        }
    }

    /// The value of a `key=N` count within `range`.
    func integerValue(option: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let text = value ?? ""
        guard let number = Int(text) else {
            throw .badValue(option: option, key: key, value: text, expected: "a number from \(range.lowerBound) to \(range.upperBound)")
        }
        guard range.contains(number) else {
            throw .outOfRange(option: "\(option) \(key)", value: text, allowed: "\(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// The value of a `key=NAME` choice among an enum's raw values.
    func choiceValue<Choice>(option: String, as _: Choice.Type) throws(ConfigurationError) -> Choice
    where Choice: RawRepresentable & CaseIterable, Choice.RawValue == String {
        let text = value ?? ""
        guard let choice = Choice(rawValue: text) else {
            throw .badValue(option: option, key: key, value: text, expected: Choice.allCases.map(\.rawValue).joined(separator: " or "))
        }
        return choice
    }
}

/// Tracks which keys an option list has used, to refuse repeats and unknown keys.
struct KeyTracker {
    let option: String
    let known: [String]
    /// Keys that may appear more than once (`hostfwd`).
    var repeatable: Set<String> = []
    private var seen: Set<String> = []

    init(option: String, known: [String], repeatable: Set<String> = []) {
        self.option = option
        self.known = known
        self.repeatable = repeatable
    }

    mutating func accept(_ item: OptionList.Item) throws(ConfigurationError) {
        guard !item.text.isEmpty else {
            throw .malformed(option: option, text: "", expected: "KEY=VALUE items separated by single commas")
        }
        guard known.contains(item.key) else { throw .unknownKey(option: option, key: item.key, known: known) }
        guard item.value != nil else {
            throw .malformed(option: option, text: item.text, expected: "\(item.key)=VALUE")
        }
        guard seen.insert(item.key).inserted || repeatable.contains(item.key) else {
            throw .repeatedKey(option: option, key: item.key)
        }
    }
}
