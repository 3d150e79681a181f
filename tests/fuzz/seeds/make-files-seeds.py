#!/usr/bin/env python3
# Writes the checked-in seeds of fuzz_files (tests/fuzz/seeds/files/) in
# its input format (fuzz_files.c): per call, the index into its calls[]
# table, FIX_* bits, a 72-byte argument, path 1 and path 2. Run it from
# anywhere after changing that format; the seeds are committed.
import os
import struct

CALLS = ["mount", "open", "close", "preadv", "pwritev", "seek", "stat", "getdents",
         "mkdir", "unlink", "rename", "truncate", "fsync", "access", "readlink",
         "chmod", "utimens", "symlink", "link"]
FIX = 0x0f  # paths, buffers, handles, mapping indices
O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_DIRECTORY = 0, 1, 2, 0o100, 0o1000, 0o200000
AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR = 0x100, 0x200
H3 = 4  # FIX_HANDLE: (byte % 11) - 1, so 4 is handle 3, 0 is "by path"


def call(name, arg=b"", p1=b"", p2=b"", fix=FIX):
    arg = arg.ljust(72, b"\0")
    return bytes([CALLS.index(name), fix]) + arg + bytes([len(p1)]) + p1 + bytes([len(p2)]) + p2


def path(mount=0):  # struct ukvm_fs_path; FIX_PATHS fills len and address
    return struct.pack("<IIQ", mount, 0, 0)


def open_(p, flags=O_RDONLY, mode=0o644, mount=0, fix=FIX):
    return call("open", path(mount) + struct.pack("<II", flags, mode), p, fix=fix)


def handle(name, h=H3, op=0, arg=0):
    return call(name, struct.pack("<iIq", h, op, arg))


def io(name, count=2, off=-1, lens=b"\x09\x0c"):
    return call(name, struct.pack("<iIQq", H3, count, 0, off), b"", lens)


def by_path(name, p, flags=0, mode=0, mount=0, fix=FIX):
    return call(name, path(mount) + struct.pack("<II", flags, mode), p, fix=fix)


def two(name, a, b, flags=0, ma=0, mb=0):
    return call(name, path(ma) + path(mb) + struct.pack("<I", flags), a, b)


def stat(p=b"", h=0, flags=0, mount=0):
    return call("stat", struct.pack("<iI", h, flags) + path(mount), p)


def attr(name, p, h=0, flags=0, mode=0o600, mount=0):
    return call(name, struct.pack("<iI", h, flags) + path(mount) + struct.pack("<II", mode, 0)
                + struct.pack("<qqqq", 1, 0, 2, 0), p)


seeds = {
    "file-io": open_(b"f", O_RDWR) + io("pwritev") + handle("seek", op=0, arg=0) + io("preadv")
    + stat(h=H3) + handle("truncate", arg=3) + handle("fsync", op=1) + handle("close"),
    "create": open_(b"d/new", O_RDWR | O_CREAT | O_TRUNC) + io("pwritev", off=4096)
    + handle("close"),
    "escape-open": open_(b"up/s") + open_(b"abs") + open_(b"../sentinel/s")
    + open_(b"/etc/passwd") + open_(b"dotdot/sentinel/s", O_RDWR) + open_(b"magic/etc", O_DIRECTORY)
    + open_(b"upfile", O_WRONLY | O_TRUNC) + open_(b"self"),
    "escape-names": by_path("mkdir", b"../evil", mode=0o755) + by_path("unlink", b"up/s")
    + by_path("unlink", b"../sentinel/sd", AT_REMOVEDIR) + two("rename", b"f", b"../moved")
    + two("rename", b"up", b"d/up2") + two("link", b"f", b"up/f2") + two("link", b"upfile", b"d/l")
    + call("symlink", struct.pack("<QQ", 0, 0) + path(), b"esc", b"../../sentinel")
    + open_(b"esc/s", O_RDWR | O_CREAT),
    "readonly": open_(b"f", O_WRONLY, mount=1) + open_(b"new", O_RDWR | O_CREAT, mount=1)
    + by_path("unlink", b"f", mount=1) + by_path("mkdir", b"x", mode=0o755, mount=1)
    + attr("chmod", b"f", mount=1) + attr("utimens", b"d/g", mount=1)
    + two("rename", b"f", b"g", ma=1, mb=1) + two("rename", b"f", b"stolen", ma=1, mb=0)
    + open_(b"f", O_RDONLY, mount=1) + handle("truncate", arg=0) + io("pwritev"),
    "dir": open_(b"", O_DIRECTORY) + call("getdents", struct.pack("<iIQQ", H3, 0, 0, 4096))
    + handle("close") + call("readlink", path() + struct.pack("<QQ", 0, 256), b"up")
    + by_path("access", b"d/g", mode=6) + stat(b"up", flags=AT_SYMLINK_NOFOLLOW) + stat(b"abs")
    + call("mount", struct.pack("<IIQQ", 1, 0, 0, 64)),
    "attrs": attr("chmod", b"up") + attr("chmod", b"upfile", flags=AT_SYMLINK_NOFOLLOW)
    + attr("utimens", b"abs") + attr("chmod", b"in") + attr("chmod", b"") + attr("utimens", b"d"),
    "long": open_(b"../", fix=FIX | 0x10) + open_(b"d/", fix=FIX | 0x10)
    + by_path("mkdir", b"a/", fix=FIX | 0x30) + open_(b"x\0y"),
    "handles": b"".join(open_(b"f") for _ in range(12)) + b"".join(
        handle("close", h=h) for h in range(11)),
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
