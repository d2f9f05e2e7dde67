#!/usr/bin/env python3
"""Capture QEMU's MADT ("APIC" table) as raw bytes for tests/host/test_madt.c.

    python3 tests/data/madt/capture.py [MACHINE-smpN ...]   (default: the files here)

For each name, boots QEMU with no disk (SeaBIOS builds the ACPI tables,
then finds nothing to boot), dumps guest RAM with the monitor's pmemsave,
follows RSDP -> RSDT -> "APIC" and writes MACHINE-smpN.bin beside this file.
test_madt expects N enabled CPUs with APIC ids 0..N-1, one IOAPIC at
0xFEC00000 and the local APIC at 0xFEE00000.
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RAM_MB = 64


def capture(machine, smp):
    with tempfile.TemporaryDirectory() as tmp:
        sock, ram = os.path.join(tmp, "mon.sock"), os.path.join(tmp, "ram.bin")
        qemu = subprocess.Popen(
            ["qemu-system-x86_64", "-machine", machine, "-m", f"{RAM_MB}M", "-smp", str(smp),
             "-nodefaults", "-display", "none", "-monitor", f"unix:{sock},server,nowait"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                if os.path.exists(sock):
                    break
                time.sleep(0.05)
            time.sleep(2.5)  # SeaBIOS builds the tables early in POST
            mon = socket.socket(socket.AF_UNIX)
            mon.connect(sock)
            mon.sendall(f'pmemsave 0 {RAM_MB << 20} "{ram}"\n'.encode())
            for _ in range(100):
                if os.path.exists(ram) and os.path.getsize(ram) == RAM_MB << 20:
                    break
                time.sleep(0.05)
            mon.sendall(b"quit\n")
        finally:
            qemu.wait(timeout=10)
        mem = open(ram, "rb").read()
    for off in range(0xE0000, 0x100000, 16):
        if mem[off:off + 8] == b"RSD PTR " and sum(mem[off:off + 20]) % 256 == 0:
            break
    else:
        sys.exit(f"{machine} smp{smp}: no RSDP")
    rsdt = struct.unpack_from("<I", mem, off + 16)[0]
    rsdt_len = struct.unpack_from("<I", mem, rsdt + 4)[0]
    for i in range((rsdt_len - 36) // 4):
        table = struct.unpack_from("<I", mem, rsdt + 36 + 4 * i)[0]
        if mem[table:table + 4] == b"APIC":
            length = struct.unpack_from("<I", mem, table + 4)[0]
            data = mem[table:table + length]
            assert sum(data) % 256 == 0, "bad MADT checksum"
            return data
    sys.exit(f"{machine} smp{smp}: no MADT")


def main():
    names = sys.argv[1:] or sorted(f[:-4] for f in os.listdir(HERE) if f.endswith(".bin"))
    for name in names:
        machine, smp = name.rsplit("-smp", 1)
        data = capture(machine, int(smp))
        with open(os.path.join(HERE, name + ".bin"), "wb") as f:
            f.write(data)
        print(f"{name}.bin: {len(data)} bytes")


if __name__ == "__main__":
    main()
