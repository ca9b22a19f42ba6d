extension MachineConfiguration {
    /// Guest RAM sizes every board accepts: enough for a small Linux, no more than a host is
    /// likely to lend.
    public static let memoryRange: ClosedRange<UInt64> = (16 << 20)...(64 << 30)
    /// vCPUs per machine.
    public static let cpuRange = 1...64
    /// Longest `--timeout`, about 11.5 days: beyond it a timeout is a typo.
    public static let maximumTimeout = 1_000_000.0

    /// Checks ranges, that options agree with each other, and that every named host file
    /// exists and can be used as the option needs. Throws the first problem found.
    public func validate() throws(ConfigurationError) {
        try checkRanges()
        try checkOptionConflicts()
        try checkHostPaths()
        try checkDeviceConflicts()
    }

    private func checkRanges() throws(ConfigurationError) {
        let memory = Self.memoryRange
        guard memory.contains(memorySize) else {
            throw .outOfRange(option: "--memory", value: MemorySize(bytes: memorySize).description,
                              allowed: "\(MemorySize(bytes: memory.lowerBound)) to \(MemorySize(bytes: memory.upperBound))")
        }
        guard Self.cpuRange.contains(cpuCount) else {
            throw .outOfRange(option: "--smp", value: "\(cpuCount)", allowed: "\(Self.cpuRange.lowerBound) to \(Self.cpuRange.upperBound)")
        }
        if let timeout, !(timeout > 0 && timeout <= Self.maximumTimeout) {
            let written = timeout == timeout.rounded() && abs(timeout) < 1e15 ? "\(Int64(timeout))" : "\(timeout)"
            throw .outOfRange(option: "--timeout", value: written, allowed: "more than 0 and at most \(Int(Self.maximumTimeout)) seconds")
        }
    }

    private func checkOptionConflicts() throws(ConfigurationError) {
        if deviceTree != nil, dumpDeviceTree != nil {
            throw .conflict("--dtb and --dump-dtb cannot be used together (--dump-dtb writes the generated device tree)")
        }
        if kernel == nil {
            if firmware == .none { throw .conflict("--bios none needs --kernel (nothing would run)") }
            if initrd != nil { throw .conflict("--initrd needs --kernel") }
            if commandLine != nil { throw .conflict("--append needs --kernel") }
        }
    }

    private func checkHostPaths() throws(ConfigurationError) {
        if let kernel { try HostPath.check(kernel, for: .readFile, option: "--kernel") }
        if let initrd { try HostPath.check(initrd, for: .readFile, option: "--initrd") }
        if case let .file(path) = firmware { try HostPath.check(path, for: .readFile, option: "--bios") }
        if let deviceTree { try HostPath.check(deviceTree, for: .readFile, option: "--dtb") }
        if let dumpDeviceTree { try HostPath.checkCreatable(dumpDeviceTree, option: "--dump-dtb") }
        if case let .file(path) = serial { try HostPath.checkCreatable(path, option: "--serial") }
        for share in shares {
            try HostPath.check(share.hostPath, for: .directory(writable: !share.readOnly), option: "--share")
        }
    }

    private func checkDeviceConflicts() throws(ConfigurationError) {
        var drivesByFile: [HostPath.Identity: DriveConfiguration] = [:]
        for drive in drives {
            let identity = try HostPath.check(drive.path, for: drive.writesImage ? .writeFile : .readFile, option: "--drive")
            if let earlier = drivesByFile[identity], earlier.writesImage || drive.writesImage {
                throw .conflict("--drive: '\(drive.path)' is used twice and written by one of them (add readonly=on or snapshot=on to both)")
            }
            drivesByFile[identity] = drive
        }
        var inputs: Set<InputDeviceKind> = []
        for input in inputDevices where !inputs.insert(input).inserted {
            throw .conflict("--input: \(input.rawValue) is given twice (one keyboard and one tablet at most)")
        }
        var tags: Set<String> = []
        for share in shares where !tags.insert(share.tag).inserted {
            throw .conflict("--share: tag '\(share.tag)' is used twice")
        }
        var forwards: [HostForward] = []
        var macs: Set<[UInt8]> = []
        for netdev in netdevs {
            for forward in netdev.hostForwards {
                if forwards.contains(where: { $0.listensLike(forward) }) {
                    throw .conflict("--netdev: host port \(forward.transport.rawValue) \(forward.hostAddress):\(forward.hostPort) is forwarded twice")
                }
                forwards.append(forward)
            }
            if netdevs.count > 1, netdev.mac == nil {
                throw .conflict("--netdev: give each of several network devices its own mac=")
            }
            if let mac = netdev.mac, !macs.insert(mac).inserted {
                throw .conflict("--netdev: two network devices share one mac address")
            }
        }
    }
}
