import Foundation

/// Stops one thread of a running process (the others keep running) with ptrace, the way a wedged
/// writer looks from outside: PTRACE_SEIZE + PTRACE_INTERRUPT on the thread named `thread`, held for
/// `seconds`, then detached (the thread resumes).
enum ThreadFreezer {
    static let script = """
        import ctypes, os, sys, time
        pid, name, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
        libc = ctypes.CDLL(None, use_errno=True)
        libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
        tid = None
        # The daemon may answer health a moment before the thread has started and named itself.
        deadline = time.time() + 5
        while tid is None and time.time() < deadline:
            for t in os.listdir('/proc/%d/task' % pid):
                try:
                    with open('/proc/%d/task/%s/comm' % (pid, t)) as f:
                        if f.read().strip() == name:
                            tid = int(t)
                except OSError:
                    pass
            if tid is None:
                time.sleep(0.02)
        if tid is None:
            names = []
            for t in os.listdir('/proc/%d/task' % pid):
                try:
                    with open('/proc/%d/task/%s/comm' % (pid, t)) as f:
                        names.append(f.read().strip())
                except OSError:
                    pass
            print('no thread named', name, 'among', names, flush=True); sys.exit(2)
        PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_DETACH = 0x4206, 0x4207, 17
        if libc.ptrace(PTRACE_SEIZE, tid, None, None) != 0:
            print('seize failed', ctypes.get_errno(), flush=True); sys.exit(3)
        libc.ptrace(PTRACE_INTERRUPT, tid, None, None)
        os.waitpid(tid, 0x40000000)  # __WALL
        print('frozen', tid, flush=True)
        time.sleep(seconds)
        libc.ptrace(PTRACE_DETACH, tid, None, None)
        print('thawed', flush=True)
        """

    /// Starts the freezer in the background; wait for "frozen" in its output before relying on it.
    static func freeze(pid: Int32, thread: String, seconds: Double, directory: TemporaryDirectory) throws
        -> BackgroundProcess
    {
        try BackgroundProcess.python(script, ["\(pid)", thread, "\(seconds)"], directory: directory)
    }
}
