/// `xemu run --report FILE`: one JSON object describing the run, for CI dashboards and for the
/// benchmark script.
///
/// Fields: `board`, `kernel`, `initrd`, `xemu_version`, `command` (argv as text), `boot_seconds`
/// (xemu start to command start), `command_seconds`, `total_seconds`, `exit_status` (what xemu
/// exits with), `timed_out`, `console_log` (`"stderr"`, the log file's path, or null when the
/// console was not kept), `error` (xemu's message, or null).
struct RunReport {
    let fields: [(String, JSONValue)]

    init(plan: RunPlan, result: RunResult, command: [String]) {
        let consoleLog: JSONValue = switch plan.consoleLog {
        case .stderr: .string("stderr")
        case let .file(path): .string(path)
        case .tail: .null
        }
        fields = [
            ("board", .string(plan.configuration.board)),
            ("kernel", .string(plan.configuration.kernel ?? "")),
            ("initrd", .string(plan.configuration.initrd ?? "")),
            ("xemu_version", .string(XemuVersion.number)),
            ("command", .array(command.map { .string($0) })),
            ("boot_seconds", .number(result.bootSeconds)),
            ("command_seconds", .number(result.commandSeconds)),
            ("total_seconds", .number(result.totalSeconds)),
            ("exit_status", .integer(Int(result.status))),
            ("timed_out", .bool(result.timedOut)),
            ("console_log", consoleLog),
            ("error", result.message.map { .string($0) } ?? .null),
        ]
    }

    var json: String {
        "{\n" + fields.map { "  \(JSONValue.string($0.0).text): \($0.1.text)" }.joined(separator: ",\n") + "\n}\n"
    }
}

/// A JSON value (RFC 8259) as `RunReport` writes it.
enum JSONValue {
    case string(String)
    case number(Double?)
    case integer(Int)
    case bool(Bool)
    case array([JSONValue])
    case null

    var text: String {
        switch self {
        case let .string(value): Self.quoted(value)
        case let .number(value?) where value.isFinite: String(Double(Int((value * 1000).rounded())) / 1000)
        case .number: "null"
        case let .integer(value): String(value)
        case let .bool(value): value ? "true" : "false"
        case let .array(values): "[" + values.map(\.text).joined(separator: ", ") + "]"
        case .null: "null"
        }
    }

    /// A string literal: `"` and `\` escaped, control characters as \uXXXX.
    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
