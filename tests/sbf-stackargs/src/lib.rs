//! The SBPF v0 linker's stack-argument cases. A call passes five arguments in registers and the
//! rest on the stack; on v0 the caller keeps those at the bottom of its own frame. Each case is
//! one instruction (its number is the first data byte) and returns 0 when the callee saw every
//! argument, in order, at its width; anything else is the case's number as a custom error.
#![no_std]

use core::hint::black_box as opaque;

use solana_compiler_builtins as _;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[inline(never)]
fn six(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64) -> u64 {
    a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f
}

#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn eight(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, g: u64, h: u64) -> u64 {
    a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h
}

#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn twelve(
    a: u64, b: u64, c: u64, d: u64, e: u64, f: u64,
    g: u64, h: u64, i: u64, j: u64, k: u64, l: u64,
) -> u64 {
    eight(a, b, c, d, e, f, g, h) + 9 * i + 10 * j + 11 * k + 12 * l
}

/// Every integer width, signed and unsigned, with the wide ones past the fifth argument.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn mixed(a: u8, b: u16, c: u32, d: u64, e: i8, f: i16, g: i32, h: i64, i: u128, j: u8) -> i128 {
    a as i128 + 2 * b as i128 + 3 * c as i128 + 4 * d as i128 + 5 * e as i128 + 6 * f as i128
        + 7 * g as i128 + 8 * h as i128 + 9 * i as i128 + 10 * j as i128
}

#[derive(Clone, Copy)]
#[repr(C)]
struct Pair {
    x: u64,
    y: u64,
}

#[derive(Clone, Copy)]
#[repr(C)]
struct Small {
    a: u8,
    b: u16,
    c: u32,
}

#[derive(Clone, Copy)]
#[repr(C)]
struct Big {
    v: [u64; 6],
}

fn structs_value(a: u64, b: u64, c: u64, d: u64, p: Pair, s: Small, big: Big, e: u64) -> u64 {
    let big_sum: u64 = big.v.iter().enumerate().map(|(i, v)| (i as u64 + 1) * v).sum();
    a + 2 * b + 3 * c + 4 * d + 5 * p.x + 6 * p.y + 7 * s.a as u64 + 8 * s.b as u64
        + 9 * s.c as u64 + 10 * big_sum + 11 * e
}

/// Structs by value in Rust's ABI.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn structs(a: u64, b: u64, c: u64, d: u64, p: Pair, s: Small, big: Big, e: u64) -> u64 {
    structs_value(a, b, c, d, p, s, big, e)
}

/// The same in the C ABI.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
extern "C" fn structs_c(a: u64, b: u64, c: u64, d: u64, p: Pair, s: Small, big: Big, e: u64) -> u64 {
    structs_value(a, b, c, d, p, s, big, e)
}

/// A callee that passes its own stack arguments on, reordered.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn relay(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, g: u64, h: u64) -> u64 {
    eight(opaque(h), g, f, e, d, c, b, a)
}

/// A caller with a 2 KiB frame: its locals stay clear of the argument area at the bottom.
#[inline(never)]
fn large_frame(seed: u64) -> u64 {
    let mut buf = [0u64; 256];
    for (i, slot) in buf.iter_mut().enumerate() {
        *slot = opaque(seed + i as u64);
    }
    let buf = opaque(&buf);
    eight(buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[255])
}

/// A caller whose locals fill its 4 KiB frame, down to where its call's arguments would go.
#[cfg(feature = "near-full-frame")]
#[inline(never)]
fn near_full_frame(seed: u64) -> u64 {
    let mut buf = [0u64; 508];
    for (i, slot) in buf.iter_mut().enumerate() {
        *slot = opaque(seed + i as u64);
    }
    let buf = opaque(&buf);
    eight(buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[507])
}

fn case(n: u8) -> bool {
    let x = opaque(1u64);
    match n {
        1 => six(x, x + 1, x + 2, x + 3, x + 4, x + 5) == 91,
        2 => eight(x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7) == 204,
        3 => {
            let r = twelve(x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7, x + 8, x + 9, x + 10, x + 11);
            r == 650
        }
        4 => {
            let r = mixed(
                opaque(0xff), opaque(0xfffe), opaque(0xffff_fffd), opaque(u64::MAX - 3),
                opaque(-5), opaque(-6), opaque(-7), opaque(-8), opaque(u128::from(u64::MAX) + 9), opaque(10),
            );
            r == 0xff + 2 * 0xfffe + 3 * 0xffff_fffd + 4 * (u64::MAX as i128 - 3) - 25 - 36 - 49 - 64
                + 9 * (u64::MAX as i128 + 9) + 100
        }
        5 | 6 => {
            let p = opaque(Pair { x: 5, y: 6 });
            let s = opaque(Small { a: 7, b: 8, c: 9 });
            let big = opaque(Big { v: [1, 2, 3, 4, 5, 6] });
            let r = if n == 5 {
                structs(x, x + 1, x + 2, x + 3, p, s, big, x + 10)
            } else {
                structs_c(x, x + 1, x + 2, x + 3, p, s, big, x + 10)
            };
            r == 1 + 4 + 9 + 16 + 25 + 36 + 49 + 64 + 81 + 10 * 91 + 121
        }
        7 => relay(x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7) == 120,
        8 => large_frame(x) == 1 + 4 + 9 + 16 + 25 + 36 + 49 + 8 * 256,
        #[cfg(feature = "near-full-frame")]
        9 => near_full_frame(x) == 0,
        _ => false,
    }
}

/// The program's entrypoint: input is the v0 serialisation of no accounts then the data.
///
/// # Safety
/// The runtime passes a valid input region.
#[no_mangle]
pub unsafe extern "C" fn entrypoint(input: *const u8) -> u64 {
    // u64 account count (0), u64 data length, then the data.
    let len = unsafe { core::ptr::read_unaligned(input.add(8) as *const u64) };
    let n = if len == 0 { 0 } else { unsafe { *input.add(16) } };
    if case(n) {
        0
    } else {
        u64::from(n).max(1)
    }
}
