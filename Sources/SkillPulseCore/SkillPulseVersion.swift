/// The release version every binary reports in `health` and `--version`.
public enum SkillPulseVersion {
    public static let current = "0.1.0"
}
