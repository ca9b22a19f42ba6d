import Foundation

/// Fixed-width columns for the `xemu bench` text tables.
public enum TextColumns {
    /// `s` left-aligned in `n` columns (followed by one space when it does not fit).
    public static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
    /// `s` right-aligned in `n` columns (preceded by one space when it does not fit).
    public static func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
    /// One decimal.
    public static func fmt(_ x: Double) -> String { String(format: "%.1f", x) }
}
