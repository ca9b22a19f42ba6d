import Synchronization
import Translator

/// Supervisor address translation (privileged ISA 1.12 §4.3-4.4: Sv39 and Sv48): the page walk
/// the SoftMMU calls on a TLB miss, with the U/SUM/MXR permission rules and hardware updates of
/// the A and D bits, plus the choice of MMU context per privilege and SFENCE.VMA.
///
/// MMU contexts: 0 physical (M-mode, or satp Bare), 1 S-mode, 2 S-mode with SUM, 3 U-mode, so
/// that a trap or a SUM toggle switches TLBs instead of flushing them.
extension RISCV64FrontEnd: AddressTranslator {
    enum PTE {
        static let valid: UInt64 = 1 << 0
        static let read: UInt64 = 1 << 1
        static let write: UInt64 = 1 << 2
        static let execute: UInt64 = 1 << 3
        static let user: UInt64 = 1 << 4
        static let accessed: UInt64 = 1 << 6
        static let dirty: UInt64 = 1 << 7
        static let ppnMask: UInt64 = (1 << 44) - 1
    }

    enum SATP {
        static let bare: UInt64 = 0
        static let sv39: UInt64 = 8
        static let sv48: UInt64 = 9
        static let ppnMask: UInt64 = (1 << 44) - 1
    }

    /// The MMU contexts that translate (everything but the physical one).
    static let translatedContexts = 1..<4

    /// The privilege data accesses are made with: MPP while M-mode has mstatus.MPRV set.
    static func dataPrivilege(privilege: UInt64, status: UInt64) -> UInt64 {
        privilege == Status.machine && status & Status.mprv != 0 ? (status & Status.mpp) >> Status.mppShift : privilege
    }

    /// Re-derives the block mode flags and the MMU contexts after privilege, mstatus or satp
    /// changed.
    func updateMode(_ cpu: CPUContext) {
        let s = cpu.state
        let privilege = s[RISCV64Slot.privilege], status = s[RISCV64Slot.mstatus]
        let paging = s[RISCV64Slot.satp] >> 60 != SATP.bare
        let fetchTranslated = paging && privilege != Status.machine
        let dataPrivilege = Self.dataPrivilege(privilege: privilege, status: status)
        let dataTranslated = paging && dataPrivilege != Status.machine
        let dataContext = !dataTranslated ? 0 : dataPrivilege == Status.user ? 3 : status & Status.sum != 0 ? 2 : 1
        let fetchContext = !fetchTranslated ? 0 : privilege == Status.user ? 3 : 1
        cpu.selectMMU(data: dataContext, dataTranslated: dataTranslated, fetch: fetchContext, fetchTranslated: fetchTranslated)
        cpu.modeFlags = (status & Status.fs != 0 ? ModeFlag.floatEnabled : 0)
            | privilege << ModeFlag.privilegeShift | (fetchTranslated ? ModeFlag.paging : 0)
    }

    /// sfence.vma: rs1 = 0 flushes every translation, otherwise the page holding rs1's address
    /// (ASIDs are not kept, so rs2 only narrows what the guest asks for).
    func fenceVirtualMemory(_ op: IROp, cpu: CPUContext, word: UInt32) -> HelperResult {
        let privilege = cpu.state[RISCV64Slot.privilege]
        if privilege == Status.user || (privilege == Status.supervisor && cpu.state[RISCV64Slot.mstatus] & Status.tvm != 0) {
            return illegal(word)
        }
        if op.a == 0 {
            cpu.flushTLB(contexts: Self.translatedContexts)
        } else {
            cpu.flushTLB(page: cpu.state[Int(op.a)], contexts: Self.translatedContexts)
        }
        return .next
    }

    public func translate(_ address: UInt64, access: MemoryAccess, cpu: CPUContext) -> Result<UInt64, GuestFault> {
        let s = cpu.state
        let status = s[RISCV64Slot.mstatus]
        let privilege = access == .fetch
            ? s[RISCV64Slot.privilege] : Self.dataPrivilege(privilege: s[RISCV64Slot.privilege], status: status)
        let pageFault: GuestFault = switch access {
        case .fetch: .raised(cause: Cause.instructionPageFault, value: address)
        case .load: .raised(cause: Cause.loadPageFault, value: address)
        case .store: .raised(cause: Cause.storePageFault, value: address)
        }
        let satp = s[RISCV64Slot.satp]
        let levels = satp >> 60 == SATP.sv48 ? 4 : 3
        let virtualBits = UInt64(12 + 9 * levels)
        // The address must be sign-extended from its top virtual bit.
        let top = Int64(bitPattern: address) >> (virtualBits - 1)
        guard top == 0 || top == -1 else { return .failure(pageFault) }

        // A walk restarts (a bounded number of times) if another hart changed the PTE while
        // the A/D bits were being set.
        for _ in 0..<4 {
            var table = (satp & SATP.ppnMask) << 12
            var level = levels - 1
            while true {
                let shift = UInt64(12 + 9 * level)
                let entryAddress = table &+ ((address >> shift) & 0x1FF) &* 8
                guard let raw = cpu.memory.hostPointer(entryAddress, length: 8) else {
                    return .failure(accessFault(access, address))
                }
                let cell = raw.assumingMemoryBound(to: Atomic<UInt64>.self)
                let pte = UInt64(littleEndian: cell.pointee.load(ordering: .acquiring))
                // Invalid, W without R, or reserved high bits (no Svpbmt/Svnapot): page fault.
                if pte & PTE.valid == 0 || (pte & PTE.read == 0 && pte & PTE.write != 0) || pte >> 54 != 0 {
                    return .failure(pageFault)
                }
                let ppn = (pte >> 10) & PTE.ppnMask
                if pte & (PTE.read | PTE.execute) == 0 {
                    guard level > 0 else { return .failure(pageFault) }
                    table = ppn << 12
                    level -= 1
                    continue
                }
                guard Self.permits(pte, access: access, privilege: privilege, status: status) else { return .failure(pageFault) }
                // A superpage's PPN must be aligned to its size.
                let superpageMask: UInt64 = (1 << UInt64(9 * level)) - 1
                guard ppn & superpageMask == 0 else { return .failure(pageFault) }
                let needed = PTE.accessed | (access == .store ? PTE.dirty : 0)
                if pte & needed != needed {
                    let updated = pte | needed
                    guard cell.pointee.compareExchange(expected: pte.littleEndian, desired: updated.littleEndian,
                                                       ordering: .acquiringAndReleasing).exchanged else { break }
                }
                let offsetMask: UInt64 = (1 << shift) - 1
                return .success((ppn << 12) & ~offsetMask | (address & offsetMask))
            }
        }
        return .failure(pageFault)
    }

    /// The leaf permission rules of §4.3.1: U pages only for U-mode (and S-mode data with SUM,
    /// never S-mode fetch), R for loads (or X with MXR), W for stores, X for fetches.
    private static func permits(_ pte: UInt64, access: MemoryAccess, privilege: UInt64, status: UInt64) -> Bool {
        if pte & PTE.user != 0 {
            if privilege == Status.supervisor && (access == .fetch || status & Status.sum == 0) { return false }
        } else if privilege == Status.user {
            return false
        }
        switch access {
        case .fetch: return pte & PTE.execute != 0
        case .load: return pte & PTE.read != 0 || (status & Status.mxr != 0 && pte & PTE.execute != 0)
        case .store: return pte & PTE.write != 0
        }
    }

    private func accessFault(_ access: MemoryAccess, _ address: UInt64) -> GuestFault {
        switch access {
        case .fetch: .fetchAccess(address: address)
        case .load: .loadAccess(address: address)
        case .store: .storeAccess(address: address)
        }
    }
}
