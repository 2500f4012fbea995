/// Quotes a path for the commands SkillPulse suggests, so that copying one into a shell works.
public enum ShellQuoting {
    /// The path as is when it holds only characters no shell treats specially, else in single quotes.
    public static func quote(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "/._-+,:@%".unicodeScalars.contains(scalar)
        }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
