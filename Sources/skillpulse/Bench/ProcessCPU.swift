import Foundation

/// CPU time a process has used, from /proc (Linux), for the benchmarks' per-core figures.
enum ProcessCPU {
    /// utime + stime of `pid` in seconds; nil when /proc cannot say (another OS, a finished process).
    static func seconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may contain spaces) start at field 3; utime and stime are 14, 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
