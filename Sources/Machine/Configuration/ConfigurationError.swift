/// Why a machine configuration was refused: the user-facing reason for a bad command-line value.
///
/// Each message names the option and the part of its value that is wrong, so a user can fix the
/// command line without reading the documentation. The `xemu` command prints it after `xemu: `.
public enum ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `--board` names a board xemu does not know.
    case unknownBoard(String, known: [String])
    /// An option the run needs was not given.
    case missingOption(String, hint: String)
    /// A size is not a whole number with an optional K, M, G or T suffix.
    case malformedSize(option: String, text: String)
    /// A number lies outside what the option allows.
    case outOfRange(option: String, value: String, allowed: String)
    /// An option list (`key=value,...`) has a key the option does not know.
    case unknownKey(option: String, key: String, known: [String])
    /// An option list lacks a key the option needs.
    case missingKey(option: String, key: String, example: String)
    /// An option list gives a key twice where it may appear once.
    case repeatedKey(option: String, key: String)
    /// A value is not one the option (or the key, when given) accepts.
    case badValue(option: String, key: String?, value: String, expected: String)
    /// An option's text does not have the option's shape.
    case malformed(option: String, text: String, expected: String)
    /// A path the option names does not exist.
    case fileNotFound(option: String, path: String)
    /// A path exists but xemu may not use it the way the option needs.
    case fileNotAccessible(option: String, path: String, need: String)
    /// A path that must be a regular file is something else.
    case notAFile(option: String, path: String)
    /// A path that must be a directory is something else.
    case notADirectory(option: String, path: String)
    /// Two options, or two values of a repeated option, contradict each other.
    case conflict(String)

    public var description: String {
        switch self {
        case let .unknownBoard(name, known):
            "unknown board '\(name)' (known: \(known.joined(separator: ", ")))"
        case let .missingOption(option, hint):
            "\(option) is required (\(hint))"
        case let .malformedSize(option, text):
            "\(option): '\(text)' is not a size (use e.g. 512M, 2G, 1024K or a number of bytes)"
        case let .outOfRange(option, value, allowed):
            "\(option): \(value) is out of range (allowed: \(allowed))"
        case let .unknownKey(option, key, known):
            "\(option): unknown option '\(key)' (known: \(known.joined(separator: ", ")))"
        case let .missingKey(option, key, example):
            "\(option): '\(key)' is missing (e.g. \(option) \(example))"
        case let .repeatedKey(option, key):
            "\(option): '\(key)' is given more than once"
        case let .badValue(option, key?, value, expected):
            "\(option): bad value '\(value)' for '\(key)' (expected \(expected))"
        case let .badValue(option, nil, value, expected):
            "\(option): bad value '\(value)' (expected \(expected))"
        case let .malformed(option, text, expected):
            "\(option): cannot parse '\(text)' (expected \(expected))"
        case let .fileNotFound(option, path):
            "\(option): no such file or directory: '\(path)'"
        case let .fileNotAccessible(option, path, need):
            "\(option): '\(path)' is not \(need)"
        case let .notAFile(option, path):
            "\(option): '\(path)' is not a regular file"
        case let .notADirectory(option, path):
            "\(option): '\(path)' is not a directory"
        case let .conflict(why):
            why
        }
    }
}
