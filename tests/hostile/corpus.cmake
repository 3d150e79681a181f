# The hostile-guest corpus: how each way of tests/hostile/attack.c must
# end. Every run has --mem 64M (attack.c's MEM_END) and stdin from attack.c.
#
#   attack(WAY STATUS [OPTIONS opt...] [STDOUT line...] [STDERR ere...])
#
# STATUS is unikvm's exit status, STDERR lines unikvm's report (extended
# regular expressions, each must match a line), STDOUT the exact stdout
# after the "attack: WAY" line (when given).

set(AT "0x[0-9a-f]+ <[a-z_0-9]+\\+0x[0-9a-f]+>")
set(OUTSIDE "outside guest RAM$")

# Argument structs in the wrong place, for every hypercall: page 0, the
# VMM's low area (page tables, boot info), the end of RAM, straddling it,
# the top of the 32-bit range.
foreach(hc exit writev read crash nosys clock)
  foreach(place_addr page0:0x8 low:0x1000 bootinfo:0x7000 end:0x4000000 straddle:0x3fffffc top:0xfffffffc)
    string(REPLACE ":" ";" pa ${place_addr})
    list(GET pa 0 place)
    list(GET pa 1 gpa)
    attack(arg-${hc}-${place} 139 STDERR "^unikvm: guest error: ${hc} hypercall: argument at ${gpa} ${OUTSIDE}")
  endforeach()
endforeach()

# writev: every field wrong.
foreach(fd 0 3 max)
  attack(writev-fd-${fd} 0 STDERR "^attack: result ret -9$")
endforeach()
attack(writev-iovcnt-1025 159 STDERR "^unikvm: guest error: writev hypercall: 1025 iovecs, at most 1024$")
attack(writev-iovcnt-max 159 STDERR "^unikvm: guest error: writev hypercall: 4294967295 iovecs, at most 1024$")
attack(writev-iov-page0 139 STDERR "^unikvm: guest error: writev hypercall: iovec array at 0x10 \\(1 entries\\) ${OUTSIDE}")
attack(writev-iov-low 139 STDERR "^unikvm: guest error: writev hypercall: iovec array at 0x1000 \\(1 entries\\) ${OUTSIDE}")
attack(writev-iov-end 139 STDERR "^unikvm: guest error: writev hypercall: iovec array at 0x4000000 \\(1 entries\\) ${OUTSIDE}")
attack(writev-iov-straddle 139 STDERR "^unikvm: guest error: writev hypercall: iovec array at 0x3fffff0 \\(2 entries\\) ${OUTSIDE}")
attack(writev-iov-self 139 STDERR "^unikvm: guest error: writev hypercall: buffer 0 .0x100000001, \\+0x[0-9a-f]+\\) ${OUTSIDE}")
attack(writev-buf-page0 139 STDERR "^unikvm: guest error: writev hypercall: buffer 0 .0x10, \\+0x4\\) ${OUTSIDE}")
attack(writev-buf-low 139 STDERR "^unikvm: guest error: writev hypercall: buffer 0 .0x7000, \\+0x90\\) ${OUTSIDE}")
attack(writev-buf-end 139 STDERR "^unikvm: guest error: writev hypercall: buffer 0 .0x4000000, \\+0x1\\) ${OUTSIDE}")
attack(writev-buf-straddle 139 STDERR "^unikvm: guest error: writev hypercall: buffer 0 .0x3fffffe, \\+0x4\\) ${OUTSIDE}")
attack(writev-buf-overflow 139 STDERR "^unikvm: guest error: writev hypercall: buffer 0 .0x200000, \\+0xfffffffffff00000\\) ${OUTSIDE}")
# Nothing of a writev is written unless all of it is valid.
attack(writev-buf-second-bad 139 STDOUT
  STDERR "^unikvm: guest error: writev hypercall: buffer 1 .0x3ffffff, \\+0x2\\) ${OUTSIDE}")
attack(writev-empty-wild 0 STDERR "^attack: result ret 0$")
string(REPEAT "y" 1024 ys)
attack(writev-1024-iovecs 0 STDOUT ${ys} STDERR "^attack: result ret 1024$")

# read: every field wrong.
attack(read-fd-1 0 STDERR "^attack: result ret -9$")
attack(read-fd-max 0 STDERR "^attack: result ret -9$")
attack(read-buf-page0 139 STDERR "^unikvm: guest error: read hypercall: buffer .0x10, \\+0x10\\) ${OUTSIDE}")
attack(read-buf-low 139 STDERR "^unikvm: guest error: read hypercall: buffer .0x1000, \\+0x1000\\) ${OUTSIDE}")
attack(read-buf-end 139 STDERR "^unikvm: guest error: read hypercall: buffer .0x4000000, \\+0x1\\) ${OUTSIDE}")
attack(read-buf-straddle 139 STDERR "^unikvm: guest error: read hypercall: buffer .0x3fffffe, \\+0x4\\) ${OUTSIDE}")
attack(read-buf-overflow 139 STDERR "^unikvm: guest error: read hypercall: buffer .0x200000, \\+0xfffffffffff00000\\) ${OUTSIDE}")
attack(read-len-0-wild 0 STDERR "^attack: result ret 0$")
# stdin read over the argument struct itself: fields were copied first,
# ret is written last.
attack(read-into-self 0 STDERR "^attack: result ret 32$")

# exit and nosys.
attack(exit-256 159 STDERR "^unikvm: guest error: exit hypercall: status 256 is not 0\\.\\.255$")
attack(exit-max 159 STDERR "^unikvm: guest error: exit hypercall: status 4294967295 is not 0\\.\\.255$")
attack(nosys-huge-nr 0 OPTIONS --trace-nosys
  STDERR "^unikvm: syscall unknown \\(18446744073709551615\\) is not implemented: ENOSYS, called from ${AT}$" "^attack: result returned 0$")
attack(nosys-wild-rip 0 OPTIONS --trace-nosys
  STDERR "^unikvm: syscall getpid \\(39\\) is not implemented: ENOSYS, called from 0xdead00000000$")

# crash reports that lie: unknown kinds, vectors and signals out of range,
# registers and frame chains pointing anywhere.
attack(crash-kind-0 159 STDERR "^unikvm: guest error: crash hypercall: unknown kind 0 / info 0$")
attack(crash-kind-max 159 STDERR "^unikvm: guest error: crash hypercall: unknown kind 4294967295 / info 0$")
attack(crash-exception-32 159 STDERR "^unikvm: guest error: crash hypercall: unknown kind 1 / info 32$")
attack(crash-exception-max 159 STDERR "^unikvm: guest error: crash hypercall: unknown kind 1 / info 4294967295$")
attack(crash-exception-9 139 STDERR "^unikvm: guest crashed: reserved exception \\(#\\?\\?, vector 9\\) at ${AT}$")
attack(crash-signal-0 159 STDERR "^unikvm: guest error: crash hypercall: unknown kind 2 / info 0$")
attack(crash-signal-65 159 STDERR "^unikvm: guest error: crash hypercall: unknown kind 2 / info 65$")
attack(crash-signal-9 137)
attack(crash-signal-15 143)
attack(crash-interrupt-max 139 STDERR "^unikvm: guest crashed: unexpected interrupt, vector 4294967295, at ${AT}$")
attack(crash-wild-registers 139 STDERR "^unikvm: guest crashed: page fault \\(#PF, vector 14\\) at 0xffffffffffffffff$" "^unikvm: backtrace:$")
foreach(way crash-rbp-loop crash-rbp-end crash-rbp-low)
  attack(${way} 139 STDERR "^unikvm: guest crashed: general protection fault \\(#GP, vector 13\\) at ${AT}$" "^unikvm: backtrace:$")
endforeach()

# I/O ports the VMM does not serve, and hypercall ports used wrongly.
foreach(port_way 0x80:port-out8-0x80 0x3f8:port-out32-0x3f8 0x580:port-hc-above 0x4ff:port-hc-below
    0xcf8:port-pci-config 0xffff:port-out8-0xffff 0x0:port-out32-0)
  string(REPLACE ":" ";" pw ${port_way})
  list(GET pw 0 port)
  list(GET pw 1 way)
  attack(${way} 159 STDERR "^unikvm: guest error: write of I/O port ${port}, which unikvm does not serve$")
endforeach()
attack(port-in8-0x80 159 STDERR "^unikvm: guest error: read of I/O port 0x80, which unikvm does not serve$")
attack(port-in32-hc 159 STDERR "^unikvm: guest error: malformed hypercall on port 0x500 \\(in, 4 bytes x 1\\)")
attack(port-out16-hc 159 STDERR "^unikvm: guest error: malformed hypercall on port 0x501 \\(out, 2 bytes x 1\\)")
attack(port-hc-last 159 STDERR "^unikvm: guest error: unknown hypercall 127 \\(port 0x57f\\)$")

# MSRs KVM does not have or the guest may not set: #GP in the guest.
foreach(way msr-read-bogus msr-write-bogus msr-write-efer-0)
  string(REPLACE "-" "_" fn ${way})
  attack(${way} 139 STDERR "^unikvm: guest crashed: general protection fault \\(#GP, vector 13\\) at 0x[0-9a-f]+ <${fn}\\+0x[0-9a-f]+>$")
endforeach()
attack(msr-write-lstar-0 139 STDERR "^unikvm: guest crashed: page fault \\(#PF, vector 14\\) at 0x0$")

# Software interrupts on every kind of vector. Vectors whose exception
# pushes an error code (8, 13, 14) see a frame one word off and report
# nonsense, but still end the VM as a crash. 255 is libguest's spurious
# vector: ignored.
foreach(v_name_sig 0:divide.error:136 1:debug.exception:133 2:non-maskable.interrupt:139
    3:breakpoint:133 4:overflow:139 6:invalid.opcode:132 18:machine.check:135)
  string(REPLACE ":" ";" vns ${v_name_sig})
  list(GET vns 0 v)
  list(GET vns 1 name)
  list(GET vns 2 status)
  attack(int-${v} ${status} STDERR "^unikvm: guest crashed: ${name} \\(.*, vector ${v}\\) at 0x[0-9a-f]+ <int_${v}\\+0x[12]>$")
endforeach()
foreach(v 8 13 14)
  attack(int-${v} 139 STDERR "^unikvm: guest crashed: .* \\(#[A-Z]+, vector ${v}\\) at 0x8$")
endforeach()
foreach(v 32 128)
  attack(int-${v} 139 STDERR "^unikvm: guest crashed: unexpected interrupt, vector ${v}, at 0x[0-9a-f]+ <int_${v}\\+0x[12]>$")
endforeach()
attack(int-255 0 STDERR "^attack: result int 255$")

# CPU state the guest wrecks on purpose.
attack(cr3-zero 139 STDERR "^unikvm: guest crashed: triple fault \\(CPU reset\\)")
attack(cr0-no-paging 139 STDERR "^unikvm: guest crashed: general protection fault \\(#GP, vector 13\\) at 0x[0-9a-f]+ <cr0_no_paging\\+")
attack(bad-segment 139 STDERR "^unikvm: guest crashed: general protection fault \\(#GP, vector 13\\) at 0x[0-9a-f]+ <bad_segment\\+" "^unikvm:   error code 0x1234$")
attack(write-boot-info 139 STDERR "^unikvm:   write of address 0x7000 \\(protected page\\)$")
attack(write-page-table 139 STDERR "^unikvm:   write of address 0x1000 \\(protected page\\)$")
attack(mprotect-text 139 STDERR "^attack: result mprotect 0$" "^unikvm:   write of address 0x[0-9a-f]+ \\(protected page\\)$")
attack(jump-zero 139 STDERR "^unikvm:   instruction fetch of address 0x0 \\(unmapped page\\): NULL pointer dereference$")
attack(jump-beyond 139 STDERR "^unikvm:   instruction fetch of address 0x4000000 \\(unmapped page\\)$")
attack(exec-stack 139 STDERR "^unikvm:   instruction fetch of address 0x[0-9a-f]+ \\(protected page\\)$")

# Guests that never end: --timeout ends them, spinning, with interrupts
# off, or asleep.
foreach(way spin spin-cli sleep-forever)
  attack(${way} 124 OPTIONS --timeout 1 STDERR "^unikvm: guest timed out after 1 s$")
endforeach()

# Memory: too much, or where the program may not map.
attack(mmap-huge 0 STDERR "^attack: result mmap-errno 12$")
attack(mmap-fixed-text 0 STDERR "^attack: result mmap-errno 12$")
attack(mmap-fixed-low 0 STDERR "^attack: result mmap-errno 12$")
attack(munmap-text 0 STDERR "^attack: result munmap 0$")
attack(brk-huge 0 STDERR "^attack: result sbrk-failed 1$")

# Floods of output: every byte arrives, in order per stream.
flood_test(flood-stdout "33554453 0")
flood_test(flood-stderr "21 33554432")
flood_test(flood-both "16777235 16777216")

# The block ring (disk-attack: disk 0 has 128 sectors; good requests write
# sector 1). Fields and indices rewritten while the device reads them: it
# serves a consistent copy or stops the VM with its report, and writes
# nowhere else; the indices wrapping past the ring's size 31 times; every
# slot the same request; 32768 doorbells with and without requests;
# requests whose buffer is the ring itself.
set(RING "^unikvm: guest error: disk 0 \\(.*\\): corrupt request ring: ")
set(COUNTS "ok [0-9]+ range [0-9]+ badlen [0-9]+ badop [0-9]+ ioerr 0$")
disk_attack(blk-toctou-desc "0|139" "1-2 127" "${RING}request [0-9]+: buffer .0x(3ffff00|1000), \\+0x[0-9a-f]+\\) ${OUTSIDE}"
  "^blk-toctou-desc: ${COUNTS}")
disk_attack(blk-toctou-index "0|159" "1" "${RING}(req_prod|[0-9]+ requests outstanding)"
  "^blk-toctou-index: ok 2000 range 0 badlen 0 badop 0 ioerr 0$")
disk_attack(blk-toctou-cpl-cons "0|159" "1" "${RING}(cpl_cons [0-9]+ does not follow|[0-9]+ requests outstanding)"
  "^blk-toctou-cpl-cons: ok 2000 range 0 badlen 0 badop 0 ioerr 0$")
disk_attack(blk-prod-backwards 159 "1" "${RING}req_prod 1 is 4294967295 past the device's 2 \\(ring size 128\\)$" "-")
disk_attack(blk-wrap 0 "64-127" "-" "^blk-wrap: 0 sectors differ$")
disk_attack(blk-dup 0 "1" "-" "^blk-dup: 0 completions with another id$")
disk_attack(blk-storm 0 "1" "-" "^blk-storm: ok 129 range 0 badlen 0 badop 0 ioerr 0$")
disk_attack(blk-storm-idle 0 "1" "-" "^blk-storm-idle: ok 1 range 0 badlen 0 badop 0 ioerr 0$")
disk_attack(blk-buf-ring "0|159" "1-9" "${RING}" "^blk-buf-ring: survived$")

# --dir by raw hypercalls, past libguest's own path handling (dir-attack:
# the mapping root/ lies next to outside/, which root/rel-link and
# root/abs-link lead to): escapes by "..", by symlinks the host made or the
# guest makes, absolute paths, NUL bytes, names of the root itself, too
# long paths, a mapping that does not exist, the handle table filled, and
# buffers outside RAM. The host tree stays unchanged in every case.
foreach(way_ret unlink-out:-13 rmdir-out:-13 mkdir-out:-13 create-out:-13 trunc-via-link:-13
    open-via-abs:-13 open-absolute:-22 rename-out:-13 rename-in:-13 exchange-out:-13
    rename-via-link:-13 link-out:-13 unlink-root:-16 rename-root:-16 chmod-via-link:-13
    chmod-out:-13 utimens-via-abs:-13 open-nul:-22 open-too-long:-36 mount-none:-2)
  string(REPLACE ":" ";" wr ${way_ret})
  list(GET wr 0 way)
  list(GET wr 1 ret)
  dir_attack(fs-${way} 0 "fs-${way}: ${ret}" -)
endforeach()
dir_attack(fs-symlink-out 0 "fs-symlink-out: 0 -13 0" -)
dir_attack(fs-handles 0 "fs-handles: 256 opened, then -24, 256 closed" -)
dir_attack(fs-statfs-out 0 "fs-statfs-out: -13 -13 -13 -13" -)
set(FSERR "^unikvm: guest error: fs_")
dir_attack(fs-path-end 139 - "${FSERR}open hypercall: path .0x3fffffe, \\+0x4\\) ${OUTSIDE}")
dir_attack(fs-readlink-low 139 - "${FSERR}readlink hypercall: buffer .0x1000, \\+0x40\\) ${OUTSIDE}")
dir_attack(fs-stat-low 139 - "${FSERR}stat hypercall: result .0x7000, \\+0x68\\) ${OUTSIDE}")
dir_attack(fs-statfs-low 139 - "${FSERR}statfs hypercall: result .0x7000, \\+0x58\\) ${OUTSIDE}")

# The network by raw hypercalls (--network user, or none for the handle
# checks): iovec counts and arrays, buffers and the event page outside
# RAM or in the low area, the page set up twice or misaligned, sockets past
# the limit, handles never opened or already closed.
set(NETERR "^unikvm: guest error: net_")
set(NETUSER OPTIONS --network user)
attack(net-msg-iovcnt-max 159 ${NETUSER} STDERR "${NETERR}sendmsg hypercall: 4294967295 iovecs, at most 1024$")
attack(net-msg-iov-straddle 139 ${NETUSER} STDERR "${NETERR}recvmsg hypercall: iovec array at 0x3fffff0 \\(2 entries\\) ${OUTSIDE}")
attack(net-msg-buf-low 139 ${NETUSER} STDERR "${NETERR}recvmsg hypercall: buffer 0 .0x7000, \\+0x90\\) ${OUTSIDE}")
attack(net-ev-low 139 STDERR "${NETERR}ev_setup hypercall: event page .0x1000, \\+0x20a08\\) ${OUTSIDE}")
attack(net-ev-straddle 139 ${NETUSER} STDERR "${NETERR}ev_setup hypercall: event page .0x3fff000, \\+0x20a08\\) ${OUTSIDE}")
attack(net-ev-twice 0 ${NETUSER} STDERR "^attack: result ev_setup 1$" "^attack: result ev_setup -16$"
  "^attack: result ev_setup -22$")
attack(net-etc-straddle 139 OPTIONS --network user --hosts-file ${CMAKE_CURRENT_SOURCE_DIR}/corpus.cmake
  STDERR "${NETERR}etc hypercall: buffer .0x3fffffc, \\+0x[0-9a-f]+\\) ${OUTSIDE}")
attack(net-socket-flood 0 ${NETUSER} STDERR "^attack: result socket-flood -24$")
attack(net-handles 0 ${NETUSER} STDERR "^attack: result fionread -9$" "^attack: result close 0$"
  "^attack: result close -9$")

# Threads and signals (attack_threads.c). Batches, each checking every
# result against docs/syscalls.md and printing the ones that differ:
# 10000 raised signals, SA_NODEFER handlers 200 deep, 1000 on the
# alternate stack, the real-time queue overflowing (512, then EAGAIN) and
# delivered in order, 4000 pthread_kill from four threads, a frame whose
# segments, IOPL, NT and SIGKILL mask are forged (ignored); the signal
# calls with hostile pointers (EFAULT) and values (EINVAL, ENOMEM); 64
# threads waiting on one futex word for 200 rounds, all requeued and
# woken, futex on addresses outside RAM (EFAULT) and unaligned (EINVAL);
# clone with bad flags, stacks, tid pointers and TLS, then threads until
# RAM runs out (ENOMEM) or, with 256 MiB, up to the limit (4096, EAGAIN).
foreach(way_checks signal-storm:14 signal-pointers:82 futex-storm:62)
  string(REPLACE ":" ";" wc ${way_checks})
  list(GET wc 0 way)
  list(GET wc 1 n)
  attack(${way} 0 STDOUT "${way}: ${n} checks, 0 wrong")
endforeach()
attack(clone-hostile 0 STDOUT "clone-hostile: 41 checks, 0 wrong"
  STDERR "^attack: result threads [0-9]{4}, then -12$")
attack(clone-limit 0 OPTIONS --mem 256M STDOUT "clone-limit: 3 checks, 0 wrong"
  STDERR "^attack: result threads 4095, then -11$")
# Forged rt_sigreturn frames, written by a handler into its own frame (or
# none at all): each ends the guest with its report, never returns.
set(SEGV "^unikvm: guest killed itself \\(signal 11, Segmentation fault\\) at ${AT}$")
foreach(f no-frame rip-noncanonical rsp-noncanonical fpstate-unaligned fpstate-outside fpstate-low
    xstate-header xstate-bv mxcsr)
  attack(sigreturn-${f} 139 STDOUT "sigreturn-${f}: forging ${f}" STDERR ${SEGV})
endforeach()
attack(sigreturn-rip-zero 139 STDOUT "sigreturn-rip-zero: forging rip-zero"
  STDERR "^unikvm:   instruction fetch of address 0x0 \\(unmapped page\\): NULL pointer dereference$")
attack(sigreturn-rsp-outside 139 STDOUT "sigreturn-rsp-outside: forging rsp-outside"
  STDERR "^unikvm: guest crashed: page fault \\(#PF, vector 14\\) at ${AT}$")
attack(sigreturn-tf 133 STDOUT "sigreturn-tf: forging tf"
  STDERR "^unikvm: guest crashed: debug exception \\(#DB, vector 1\\) at ${AT}$")
