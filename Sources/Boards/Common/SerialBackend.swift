import Machine

extension SerialConfiguration {
    /// The host side of the board's console UART as the user chose it. Ctrl-A x on a stdio
    /// console calls `onQuit`.
    func makeBackend(onQuit: @escaping @Sendable () -> Void) throws(BoardError) -> any CharBackend {
        do {
            switch self {
            case .stdio: return try StdioCharBackend(onQuit: onQuit)
            case let .file(path): return try FileCharBackend(path: path)
            }
        } catch {
            throw .console(error.description)
        }
    }
}
